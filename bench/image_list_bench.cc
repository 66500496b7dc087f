// Image listing benchmark: ListImages and ImageStatus latency (p50, p99) through crio's gRPC
// API with N images in its store (default 500), against the floor of an rpc that does no
// work (Version) measured in the same run, and against `podman images` on the same store
// (containers/storage's own reader). The issue's target: ListImages p50 ≤ 1 ms with 500
// images, answered from memory (the store is read again only after another writer).
//
// The images are written straight into a fresh containers/storage store (one layer each,
// with a config and a manifest), as a node that pulled them would have them. Needs root.
//
//   build/bin/image_list_bench [images] [calls]
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>

#include "bench/bench_daemon.h"
#include "common/sha256.h"
#include "fmt/format.h"
#include "storage/image_store.h"
#include "testing/subprocess.h"

namespace {

namespace v1 = runtime::v1;
using crio::bench::Clock;
using crio::bench::Daemon;
using crio::bench::Millis;

struct Latency {
  double p50 = 0;
  double p99 = 0;
};

Latency Measure(int calls, const std::function<bool()>& call) {
  std::vector<double> times;
  for (int i = 0; i < calls; ++i) {
    const auto start = Clock::now();
    if (!call()) return {-1, -1};
    times.push_back(Millis(Clock::now() - start));
  }
  std::sort(times.begin(), times.end());
  return {times[times.size() / 2], times[times.size() * 99 / 100]};
}

// N images of one small layer each, named quay.io/bench/app-I:1.
bool FillStore(const std::string& root, int images) {
  auto store = crio::storage::ImageStore::Open(root);
  if (!store.ok()) return false;
  for (int i = 0; i < images; ++i) {
    const std::string seed = std::to_string(i);
    const std::string diff = crio::Sha256Digest("layer " + seed);
    const crio::storage::LayerRecord layer{
        .id = diff.substr(7), .diff_digest = diff, .diff_size = 1024};
    auto staging = (*store)->NewLayerStaging(layer.id);
    if (!staging.ok()) return false;
    std::ofstream(*staging + "/file") << seed;
    if (!(*store)->CommitLayer(layer, *staging).ok()) return false;
    const std::string config = fmt::format(
        R"({{"architecture":"amd64","os":"linux","config":{{"User":"1000","Cmd":["sh"]}},)"
        R"("rootfs":{{"type":"layers","diff_ids":["{}"]}}}})",
        diff);
    const std::string manifest = fmt::format(
        R"({{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
        R"("config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}",)"
        R"("size":{}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar",)"
        R"("digest":"{}","size":1024}}]}})",
        crio::Sha256Digest(config), config.size(), diff);
    const std::string manifest_digest = crio::Sha256Digest(manifest);
    const crio::storage::ImageRecord image{
        .id = crio::Sha256Digest(config).substr(7),
        .repo_tags = {fmt::format("quay.io/bench/app-{}:1", i)},
        .repo_digests = {fmt::format("quay.io/bench/app-{}@{}", i, manifest_digest)},
        .layers = {layer.id},
        .manifest_digest = manifest_digest};
    if (!(*store)->PutImage(image, config, {{manifest_digest, manifest}}).ok()) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const int images = argc > 1 ? std::atoi(argv[1]) : 500;
  const int calls = argc > 2 ? std::atoi(argv[2]) : 1000;
  if (::geteuid() != 0) {
    std::cerr << "image_list_bench: run as root\n";
    return 1;
  }
  crio::testing::TempDir dir;
  std::filesystem::create_directories(dir.Join("run"));
  crio::bench::WriteDaemonFiles(dir);
  if (!FillStore(dir.Join("root"), images)) {
    std::cerr << "image_list_bench: could not fill the store\n";
    return 1;
  }
  const std::string bin = std::filesystem::canonical("/proc/self/exe").parent_path().string();
  Daemon daemon(dir, bin);
  if (daemon.Start() < 0) {
    std::cerr << "crio did not start; see " << dir.Join("crio.log") << "\n";
    return 1;
  }
  auto runtime = daemon.Stub();
  auto image_service = v1::ImageService::NewStub(
      grpc::CreateChannel("unix:" + daemon.socket(), grpc::InsecureChannelCredentials()));

  size_t listed = 0;
  const Latency list = Measure(calls, [&] {
    grpc::ClientContext context;
    v1::ListImagesResponse response;
    const bool ok = image_service->ListImages(&context, v1::ListImagesRequest(), &response).ok();
    listed = static_cast<size_t>(response.images_size());
    return ok;
  });
  int next = 0;
  const Latency status = Measure(calls, [&] {
    grpc::ClientContext context;
    v1::ImageStatusRequest request;
    request.mutable_image()->set_image(fmt::format("quay.io/bench/app-{}:1", next++ % images));
    v1::ImageStatusResponse response;
    return image_service->ImageStatus(&context, request, &response).ok() &&
           !response.image().id().empty();
  });
  const Latency version = Measure(calls, [&] {
    grpc::ClientContext context;
    v1::VersionResponse response;
    return runtime->Version(&context, v1::VersionRequest(), &response).ok();
  });
  daemon.Stop(SIGTERM);
  const std::vector<std::string> podman = {"podman",
                                           "--root",
                                           dir.Join("root"),
                                           "--runroot",
                                           dir.Join("run/storage"),
                                           "--storage-driver",
                                           "overlay",
                                           "--tmpdir",
                                           dir.Join("podman-tmp"),
                                           "--events-backend",
                                           "none",
                                           "images",
                                           "-q"};
  const Latency peer = Measure(5, [&] {
    const crio::testing::RunResult listed_by_podman = crio::testing::RunCommand(podman);
    if (listed_by_podman.exit_code != 0) std::cerr << "podman images: " << listed_by_podman.err;
    return listed_by_podman.exit_code == 0;
  });
  ::umount2(dir.Join("root/overlay").c_str(), MNT_DETACH);  // podman leaves its home mounted

  std::cout << fmt::format(
      "{} images in the store ({} listed), {} calls each, ms:\n"
      "                       p50      p99\n"
      "  Version (floor)  {:8.3f} {:8.3f}\n"
      "  ListImages       {:8.3f} {:8.3f}   p50 {:.1f}x the floor\n"
      "  ImageStatus      {:8.3f} {:8.3f}   p50 {:.1f}x the floor\n"
      "  podman images    {:8.1f}            ListImages p50 is {:.4f}x of it\n",
      images, listed, calls, version.p50, version.p99, list.p50, list.p99, list.p50 / version.p50,
      status.p50, status.p99, status.p50 / version.p50, peer.p50, list.p50 / peer.p50);
  return listed == static_cast<size_t>(images) ? 0 : 1;
}
