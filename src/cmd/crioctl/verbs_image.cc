// Verbs about images: pull, images, rmi, inspecti, imagefsinfo.
#include <algorithm>
#include <memory>

#include "CLI/CLI.hpp"
#include "cmd/crioctl/verbs.h"
#include "common/strings.h"
#include "fmt/format.h"

namespace crio::crioctl {
namespace {

namespace v1 = runtime::v1;
using nlohmann::json;

// "docker.io/library/busybox:latest" → {"docker.io/library/busybox", "latest"}.
std::pair<std::string, std::string> SplitTag(const std::string& name) {
  const size_t colon = name.rfind(':');
  if (colon == std::string::npos || name.find('/', colon) != std::string::npos) {
    return {name, "<none>"};
  }
  return {name.substr(0, colon), name.substr(colon + 1)};
}

std::string DigestOf(const v1::Image& image, const std::string& repository) {
  for (const std::string& digest : image.repo_digests()) {
    if (digest.starts_with(repository + "@")) return digest.substr(repository.size() + 1);
  }
  return "<none>";
}

std::string ShortId(const std::string& id) {
  const std::string hex = id.starts_with("sha256:") ? id.substr(7) : id;
  return hex.substr(0, 13);
}

}  // namespace

int RunPull(Client& client, const PullOptions& options, const CommandIo& io) {
  v1::PullImageRequest request;
  request.mutable_image()->set_image(options.image);
  if (!options.creds.empty()) {
    const size_t colon = options.creds.find(':');
    if (colon == std::string::npos) {
      return ReportError(io, "pull", "--creds must be USERNAME:PASSWORD");
    }
    request.mutable_auth()->set_username(options.creds.substr(0, colon));
    request.mutable_auth()->set_password(options.creds.substr(colon + 1));
  }
  if (!options.auth.empty()) request.mutable_auth()->set_auth(options.auth);
  v1::PullImageResponse response;
  const grpc::Status status = client.image().PullImage(
      client.NewContext(std::chrono::minutes(10)).get(), request, &response);
  if (!status.ok()) return ReportRpcError(io, "pull", client.image_endpoint(), status);
  io.out << "Image is up to date for " << response.image_ref() << "\n";
  return 0;
}

int RunImages(Client& client, const ImagesOptions& options, const CommandIo& io) {
  auto format = ParseOutputFormat(options.output, OutputFormat::kTable);
  if (!format.ok()) return ReportError(io, "images", std::string(AsStd(format.status().message())));
  v1::ListImagesRequest request;
  if (!options.filter.empty()) request.mutable_filter()->mutable_image()->set_image(options.filter);
  v1::ListImagesResponse response;
  const grpc::Status status =
      client.image().ListImages(client.NewContext().get(), request, &response);
  if (!status.ok()) return ReportRpcError(io, "images", client.image_endpoint(), status);
  if (options.quiet) {
    for (const v1::Image& image : response.images()) io.out << image.id() << "\n";
    return 0;
  }
  if (*format != OutputFormat::kTable) {
    PrintDocument(ProtoToJson(response), *format, io);
    return 0;
  }
  std::vector<std::string> headers = {"IMAGE", "TAG"};
  if (options.digests) headers.push_back("DIGEST");
  headers.insert(headers.end(), {"IMAGE ID", "SIZE"});
  std::vector<std::vector<std::string>> rows;
  for (const v1::Image& image : response.images()) {
    std::vector<std::string> names(image.repo_tags().begin(), image.repo_tags().end());
    if (names.empty()) {  // dangling: show its repository from a digest
      for (const std::string& digest : image.repo_digests())
        names.push_back(digest.substr(0, digest.find('@')));
      if (names.empty()) names.push_back("<none>");
    }
    for (const std::string& name : names) {
      auto [repository, tag] = SplitTag(name);
      std::vector<std::string> row = {repository, tag};
      if (options.digests) row.push_back(ShortId(DigestOf(image, repository)));
      row.insert(row.end(), {ShortId(image.id()), HumanSize(image.size())});
      rows.push_back(std::move(row));
    }
  }
  std::sort(rows.begin(), rows.end());
  io.out << ToTable(headers, rows);
  return 0;
}

int RunRemoveImages(Client& client, const std::vector<std::string>& images, bool all,
                    const CommandIo& io) {
  std::vector<std::string> targets = images;
  if (all) {
    v1::ListImagesResponse list;
    const grpc::Status status =
        client.image().ListImages(client.NewContext().get(), v1::ListImagesRequest(), &list);
    if (!status.ok()) return ReportRpcError(io, "rmi", client.image_endpoint(), status);
    for (const v1::Image& image : list.images()) targets.push_back(image.id());
  }
  if (targets.empty()) return ReportError(io, "rmi", "no image given (IMAGE... or --all)");
  int exit_code = 0;
  for (const std::string& target : targets) {
    v1::RemoveImageRequest request;
    request.mutable_image()->set_image(target);
    v1::RemoveImageResponse response;
    const grpc::Status status =
        client.image().RemoveImage(client.NewContext().get(), request, &response);
    if (!status.ok()) {
      exit_code = ReportRpcError(io, "rmi", client.image_endpoint(), status);
      continue;
    }
    io.out << "Deleted: " << target << "\n";
  }
  return exit_code;
}

int RunInspectImage(Client& client, const std::string& image, const std::string& output,
                    const CommandIo& io) {
  auto format = ParseDocumentFormat(output);
  if (!format.ok()) {
    return ReportError(io, "inspecti", std::string(AsStd(format.status().message())));
  }
  v1::ImageStatusRequest request;
  request.mutable_image()->set_image(image);
  request.set_verbose(true);
  v1::ImageStatusResponse response;
  const grpc::Status status =
      client.image().ImageStatus(client.NewContext().get(), request, &response);
  if (!status.ok()) return ReportRpcError(io, "inspecti", client.image_endpoint(), status);
  if (!response.has_image()) {
    return ReportError(io, "inspecti", fmt::format("no such image {}", image));
  }
  json inspected = {{"status", ProtoToJson(response.image())}};
  MergeVerboseInfo(response.info(), inspected);
  PrintDocument(inspected, *format, io);
  return 0;
}

int RunImageFsInfo(Client& client, const std::string& output, const CommandIo& io) {
  auto format = ParseDocumentFormat(output);
  if (!format.ok()) {
    return ReportError(io, "imagefsinfo", std::string(AsStd(format.status().message())));
  }
  v1::ImageFsInfoResponse response;
  const grpc::Status status =
      client.image().ImageFsInfo(client.NewContext().get(), v1::ImageFsInfoRequest(), &response);
  if (!status.ok()) return ReportRpcError(io, "imagefsinfo", client.image_endpoint(), status);
  PrintDocument(ProtoToJson(response), *format, io);
  return 0;
}

namespace {

void AddPull(CLI::App& app, VerbAction& chosen) {
  auto options = std::make_shared<PullOptions>();
  CLI::App* pull = AddVerb(
      app, "pull", "Pull an image from a registry", chosen,
      [options](Client& client, const CommandIo& io) { return RunPull(client, *options, io); });
  pull->add_option("IMAGE", options->image, "Image name")->required();
  pull->add_option("--creds", options->creds, "Registry credentials, USERNAME:PASSWORD");
  pull->add_option("--auth", options->auth, "Registry credentials, base64 of USERNAME:PASSWORD");
}

void AddImages(CLI::App& app, VerbAction& chosen) {
  auto options = std::make_shared<ImagesOptions>();
  CLI::App* images = AddVerb(
      app, "images", "List images", chosen,
      [options](Client& client, const CommandIo& io) { return RunImages(client, *options, io); });
  images->alias("image");
  images->add_option("IMAGE", options->filter, "Only this image");
  images->add_flag("--quiet,-q", options->quiet, "Only show image IDs");
  images->add_flag("--digests", options->digests, "Show digests");
  AddOutputOption(*images, options->output, "table, json or yaml");
}

void AddRemoveImages(CLI::App& app, VerbAction& chosen) {
  struct Targets {
    std::vector<std::string> images;
    bool all = false;
  };
  auto targets = std::make_shared<Targets>();
  CLI::App* rmi = AddVerb(app, "rmi", "Remove one or more images", chosen,
                          [targets](Client& client, const CommandIo& io) {
                            return RunRemoveImages(client, targets->images, targets->all, io);
                          });
  rmi->add_option("IMAGE", targets->images, "Image names or IDs");
  rmi->add_flag("--all,-a", targets->all, "Remove all images");
}

void AddInspectImage(CLI::App& app, VerbAction& chosen) {
  struct Inspect {
    std::string image;
    std::string output;
  };
  auto inspect = std::make_shared<Inspect>();
  CLI::App* inspecti =
      AddVerb(app, "inspecti", "Return the status of an image", chosen,
              [inspect](Client& client, const CommandIo& io) {
                return RunInspectImage(client, inspect->image, inspect->output, io);
              });
  inspecti->add_option("IMAGE", inspect->image, "Image name or ID")->required();
  AddOutputOption(*inspecti, inspect->output, "json or yaml");
}

void AddImageFsInfo(CLI::App& app, VerbAction& chosen) {
  auto output = std::make_shared<std::string>();
  CLI::App* imagefsinfo = AddVerb(app, "imagefsinfo", "Return image filesystem info", chosen,
                                  [output](Client& client, const CommandIo& io) {
                                    return RunImageFsInfo(client, *output, io);
                                  });
  AddOutputOption(*imagefsinfo, *output, "json or yaml");
}

}  // namespace

void AddImageVerbs(CLI::App& app, VerbAction& chosen) {
  AddPull(app, chosen);
  AddImages(app, chosen);
  AddRemoveImages(app, chosen);
  AddInspectImage(app, chosen);
  AddImageFsInfo(app, chosen);
}

}  // namespace crio::crioctl
