#include "testing/local_registry.h"

#include <archive.h>
#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/sha256.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "testing/free_port.h"
#include "testing/subprocess.h"

namespace crio::testing {

struct RequestAuth {
  std::string ca_file;
  std::string userpwd;
};

namespace {

size_t Collect(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// One HTTP request; returns the status and fills `location` from the response headers.
long Request(const std::string& method, const std::string& url, const std::string& body,
             const std::string& content_type, const RequestAuth& auth,
             std::string* location = nullptr) {
  CURL* curl = curl_easy_init();
  if (!auth.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, auth.ca_file.c_str());
  if (!auth.userpwd.empty()) curl_easy_setopt(curl, CURLOPT_USERPWD, auth.userpwd.c_str());
  std::string headers, ignored;
  curl_slist* list = curl_slist_append(nullptr, ("Content-Type: " + content_type).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ignored);
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  if (location != nullptr) {
    // HTTP/2 (negotiated over TLS) sends header names in lowercase.
    std::string lower = headers;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const size_t at = lower.find("location: ");
    if (at != std::string::npos) {
      *location = headers.substr(at + 10, headers.find("\r\n", at) - at - 10);
    }
  }
  return status;
}

}  // namespace

LocalRegistry::LocalRegistry(const Options& options) : options_(options), port_(FreePort()) {
  std::string extra;
  if (options_.tls) {
    if (!MakeCertificates()) return;
    extra += fmt::format("  tls:\n    certificate: {}\n    key: {}\n", dir_.Join("server.crt"),
                         dir_.Join("server.key"));
  }
  std::string auth;
  if (!options_.username.empty()) {
    const RunResult hash = RunCommand({"htpasswd", "-Bbn", options_.username, options_.password});
    dir_.WriteFile("htpasswd", hash.out);
    auth = fmt::format("auth:\n  htpasswd:\n    realm: crio-tests\n    path: {}\n",
                       dir_.Join("htpasswd"));
  }
  const std::string config =
      dir_.WriteFile("config.yml", fmt::format(R"(version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{}
  secret: crio-tests
{}{})",
                                               dir_.Join("data"), port_, extra, auth));
  pid_ = Spawn({"docker-registry", "serve", config}, dir_.Join("registry.log"));
  // A loaded machine (the whole suite on two cores) can take seconds to start it: up to
  // 20 s rather than 5.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
    if (Request("GET", Url("/v2/"), "", "text/plain", Auth()) == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  KillAndReap(pid_);
  pid_ = -1;
}

LocalRegistry::~LocalRegistry() {
  KillAndReap(pid_);
  if (!certs_d_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(certs_d_, ignored);
  }
}

RequestAuth LocalRegistry::Auth() const {
  return {options_.tls ? dir_.Join("ca.crt") : "",
          options_.username.empty() ? "" : options_.username + ":" + options_.password};
}

std::string LocalRegistry::Url(const std::string& path) const {
  return fmt::format("{}://{}{}", options_.tls ? "https" : "http", host(), path);
}

bool LocalRegistry::MakeCertificates() {
  const std::string ca_key = dir_.Join("ca.key"), ca = dir_.Join("ca.crt");
  const std::string key = dir_.Join("server.key"), csr = dir_.Join("server.csr");
  const std::string cert = dir_.Join("server.crt");
  const std::string ext = dir_.WriteFile("ext.cnf", "subjectAltName=IP:127.0.0.1\n");
  const std::vector<std::vector<std::string>> steps = {
      {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
       "/CN=crio test CA", "-keyout", ca_key, "-out", ca},
      {"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", key,
       "-out", csr},
      {"openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
       "-days", "2", "-extfile", ext, "-out", cert},
  };
  for (const auto& step : steps) {
    if (RunCommand(step).exit_code != 0) return false;
  }
  certs_d_ = fmt::format("/etc/containers/certs.d/{}", host());
  std::error_code error;
  std::filesystem::create_directories(certs_d_, error);
  std::filesystem::copy_file(ca, certs_d_ + "/ca.crt",
                             std::filesystem::copy_options::overwrite_existing, error);
  return !error;
}

std::string LocalRegistry::host() const { return fmt::format("127.0.0.1:{}", port_); }

bool LocalRegistry::PutBlob(const std::string& repository, const std::string& content) {
  std::string location;
  if (Request("POST", Url(fmt::format("/v2/{}/blobs/uploads/", repository)), "",
              "application/octet-stream", Auth(), &location) != 202) {
    return false;
  }
  if (location.starts_with("/")) location = Url(location);
  const std::string url =
      fmt::format("{}{}digest={}", location, location.find('?') == std::string::npos ? "?" : "&",
                  Sha256Digest(content));
  return Request("PUT", url, content, "application/octet-stream", Auth()) == 201;
}

PushedImage LocalRegistry::Push(const std::string& repository, const std::string& tag,
                                const std::vector<std::string>& layers, const std::string& user,
                                Format format) {
  return Push(repository, tag, layers, ImageConfig{.user = user}, format);
}

PushedImage LocalRegistry::Push(const std::string& repository, const std::string& tag,
                                const std::vector<std::string>& layers,
                                const ImageConfig& image_config, Format format) {
  const bool docker = format == Format::kDockerSchema2;
  const auto layer_type = [docker](const std::string& layer) -> std::string {
    if (layer.starts_with("\x1f\x8b")) {
      return docker ? "application/vnd.docker.image.rootfs.diff.tar.gzip"
                    : "application/vnd.oci.image.layer.v1.tar+gzip";
    }
    if (layer.starts_with("\x28\xb5\x2f\xfd")) return "application/vnd.oci.image.layer.v1.tar+zstd";
    return docker ? "application/vnd.docker.image.rootfs.diff.tar"
                  : "application/vnd.oci.image.layer.v1.tar";
  };
  const std::string config_type = docker ? "application/vnd.docker.container.image.v1+json"
                                         : "application/vnd.oci.image.config.v1+json";
  const std::string manifest_type = docker ? "application/vnd.docker.distribution.manifest.v2+json"
                                           : "application/vnd.oci.image.manifest.v1+json";
  nlohmann::json diff_ids = nlohmann::json::array();
  std::string descriptors;
  for (const std::string& layer : layers) {
    descriptors += fmt::format(R"({}{{"mediaType":"{}","digest":"{}","size":{}}})",
                               descriptors.empty() ? "" : ",", layer_type(layer),
                               Sha256Digest(layer), layer.size());
    PutBlob(repository, layer);
    if (!image_config.diff_ids.empty()) continue;
    // The diff ID is the digest of the uncompressed tar: decompress with libarchive's raw
    // reader to compute it.
    archive* reader = archive_read_new();
    archive_read_support_filter_all(reader);
    archive_read_support_format_raw(reader);
    archive_read_open_memory(reader, layer.data(), layer.size());
    archive_entry* entry = nullptr;
    archive_read_next_header(reader, &entry);
    Sha256 hash;
    char buffer[65536];
    for (la_ssize_t n; (n = archive_read_data(reader, buffer, sizeof(buffer))) > 0;) {
      hash.Update(std::string_view(buffer, static_cast<size_t>(n)));
    }
    archive_read_free(reader);
    diff_ids.push_back(hash.Finish());
  }
  if (!image_config.diff_ids.empty()) diff_ids = image_config.diff_ids;
  nlohmann::json run_config = {
      {"User", image_config.user}, {"Cmd", image_config.cmd}, {"Labels", {{"test", "crio"}}}};
  if (!image_config.entrypoint.empty()) run_config["Entrypoint"] = image_config.entrypoint;
  if (!image_config.env.empty()) run_config["Env"] = image_config.env;
  if (!image_config.working_dir.empty()) run_config["WorkingDir"] = image_config.working_dir;
  for (const std::string& port : image_config.exposed_ports) {
    run_config["ExposedPorts"][port] = nlohmann::json::object();
  }
  const std::string config =
      nlohmann::json{{"architecture", image_config.architecture},
                     {"os", "linux"},
                     {"config", run_config},
                     {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}}
          .dump();
  PutBlob(repository, config);
  nlohmann::json manifest_json = nlohmann::json::parse(fmt::format(
      R"({{"schemaVersion":2,"mediaType":"{}","config":{{"mediaType":"{}","digest":"{}","size":{}}},"layers":[{}]}})",
      manifest_type, config_type, Sha256Digest(config), config.size(), descriptors));
  if (!image_config.annotations.empty()) manifest_json["annotations"] = image_config.annotations;
  const std::string manifest = manifest_json.dump();
  Request("PUT", Url(fmt::format("/v2/{}/manifests/{}", repository, tag)), manifest, manifest_type,
          Auth());
  return {Sha256Digest(config).substr(7), Sha256Digest(manifest), manifest.size(), manifest_type};
}

bool LocalRegistry::CorruptBlob(const std::string& digest) {
  const std::string hex = digest.substr(digest.find(':') + 1);
  const std::string path = dir_.Join(
      fmt::format("data/docker/registry/v2/blobs/sha256/{}/{}/data", hex.substr(0, 2), hex));
  std::fstream blob(path, std::ios::in | std::ios::out | std::ios::binary);
  if (!blob) return false;
  blob.seekg(-1, std::ios::end);
  const char last = static_cast<char>(blob.get());
  blob.seekp(-1, std::ios::end);
  blob.put(static_cast<char>(last ^ 0x5a));
  return static_cast<bool>(blob);
}

std::string LocalRegistry::PushIndex(const std::string& repository, const std::string& tag,
                                     const std::vector<IndexEntry>& entries) {
  nlohmann::json manifests = nlohmann::json::array();
  for (const IndexEntry& entry : entries) {
    manifests.push_back({{"mediaType", entry.image.manifest_type},
                         {"digest", entry.image.manifest_digest},
                         {"size", entry.image.manifest_size},
                         {"platform", {{"os", entry.os}, {"architecture", entry.architecture}}}});
  }
  constexpr char kIndexType[] = "application/vnd.oci.image.index.v1+json";
  const std::string index = nlohmann::json{
      {"schemaVersion", 2},
      {"mediaType", kIndexType},
      {"manifests", manifests}}.dump();
  Request("PUT", Url(fmt::format("/v2/{}/manifests/{}", repository, tag)), index, kIndexType,
          Auth());
  return Sha256Digest(index);
}

bool LocalRegistry::PushSigstoreSignatures(const std::string& repository,
                                           const std::string& manifest_digest,
                                           const std::vector<SigstoreSignature>& signatures) {
  constexpr char kManifestType[] = "application/vnd.oci.image.manifest.v1+json";
  const std::string config = "{}";
  if (!PutBlob(repository, config)) return false;
  nlohmann::json layers = nlohmann::json::array();
  for (const SigstoreSignature& signature : signatures) {
    if (!PutBlob(repository, signature.payload)) return false;
    nlohmann::json annotations = {{"dev.cosignproject.cosign/signature", signature.signature}};
    if (!signature.bundle.empty()) annotations["dev.sigstore.cosign/bundle"] = signature.bundle;
    layers.push_back({{"mediaType", "application/vnd.dev.cosign.simplesigning.v1+json"},
                      {"digest", Sha256Digest(signature.payload)},
                      {"size", signature.payload.size()},
                      {"annotations", annotations}});
  }
  const std::string manifest =
      nlohmann::json{{"schemaVersion", 2},
                     {"mediaType", kManifestType},
                     {"config",
                      {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                       {"digest", Sha256Digest(config)},
                       {"size", config.size()}}},
                     {"layers", layers}}
          .dump();
  std::string tag = manifest_digest;
  tag[tag.find(':')] = '-';
  return Request("PUT", Url(fmt::format("/v2/{}/manifests/{}.sig", repository, tag)), manifest,
                 kManifestType, Auth()) == 201;
}

}  // namespace crio::testing
