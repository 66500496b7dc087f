// Pull benchmark: crio against `skopeo copy`, same image, same local registry, one run.
//
// Builds a ~200 MB image of 10 gzip layers of incompressible data, pushes it to Debian's
// docker-registry on 127.0.0.1, then alternates (a) `crioctl pull` through a crio started
// for the run (its store emptied between rounds) and (b) `skopeo copy docker://… dir:…`.
// Prints each round and the ratio of the medians. Needs root (crio) and skopeo.
//
//   build/bin/pull_bench [rounds]
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <random>
#include <thread>

#include "fmt/format.h"
#include "testing/local_registry.h"
#include "testing/subprocess.h"
#include "testing/tar_builder.h"
#include "testing/temp_dir.h"

namespace {

using crio::testing::RunCommand;
using Clock = std::chrono::steady_clock;

constexpr int kLayers = 10;
constexpr size_t kLayerBytes = 20 << 20;

std::string RandomBytes(size_t size, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::string bytes(size, '\0');
  for (size_t i = 0; i + 8 <= size; i += 8) {
    const uint64_t word = random();
    std::memcpy(bytes.data() + i, &word, 8);
  }
  return bytes;
}

double Seconds(Clock::duration elapsed) { return std::chrono::duration<double>(elapsed).count(); }

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 3;
  if (geteuid() != 0) {
    std::cerr << "pull_bench: run as root (it starts crio)\n";
    return 1;
  }
  crio::testing::LocalRegistry registry;
  if (!registry.running()) {
    std::cerr << "pull_bench: docker-registry did not start\n";
    return 1;
  }
  std::vector<std::string> layers;
  size_t compressed = 0;
  for (int i = 0; i < kLayers; ++i) {
    layers.push_back(crio::testing::BuildTar(
        {{.name = fmt::format("data/layer{}", i), .content = RandomBytes(kLayerBytes, i)}}, true));
    compressed += layers.back().size();
  }
  registry.Push("bench/big", "1", layers);
  const std::string image = registry.host() + "/bench/big:1";
  std::cout << fmt::format("image: {} layers, {:.1f} MB compressed\n", kLayers, compressed / 1e6);

  crio::testing::TempDir dir;
  const std::string bin = std::filesystem::canonical("/proc/self/exe").parent_path().string();
  dir.WriteFile("registries.conf",
                fmt::format("[[registry]]\nlocation = \"{}\"\ninsecure = true\n", registry.host()));
  dir.WriteFile("policy.json", R"({"default":[{"type":"insecureAcceptAnything"}]})");
  ::setenv("CONTAINERS_REGISTRIES_CONF", dir.Join("registries.conf").c_str(), 1);
  const std::string socket = dir.Join("crio.sock");
  const pid_t crio =
      crio::testing::Spawn({bin + "/crio", "--config-dir", dir.Join("none"), "--listen", socket,
                            "--root", dir.Join("root"), "--runroot", dir.Join("run"),
                            "--signature-policy", dir.Join("policy.json")},
                           dir.Join("crio.log"));
  for (int i = 0; i < 200 && !std::filesystem::exists(socket); ++i) usleep(25000);

  std::vector<double> crio_times, first_layer_times, skopeo_times, skopeo_store_times;
  for (int round = 0; round < rounds; ++round) {
    RunCommand({bin + "/crioctl", "-r", socket, "rmi", "--all"});
    auto start = Clock::now();
    // Time to first layer: until the first layer is committed (its staging dir renamed to
    // the chain ID's name under root/overlay), watched while the pull runs.
    std::atomic<bool> pulling{true};
    double first_layer = 0;
    std::thread watcher([&] {
      while (pulling && first_layer == 0) {
        std::error_code ignored;
        for (const auto& entry :
             std::filesystem::directory_iterator(dir.Join("root/overlay"), ignored)) {
          const std::string name = entry.path().filename();
          if (name.size() == 64 && name.find('.') == std::string::npos) {
            first_layer = Seconds(Clock::now() - start);
            break;
          }
        }
        usleep(2000);
      }
    });
    const auto pulled =
        RunCommand({bin + "/crioctl", "-r", socket, "pull", image}, std::chrono::minutes(10));
    crio_times.push_back(Seconds(Clock::now() - start));
    pulling = false;
    watcher.join();
    first_layer_times.push_back(first_layer);
    if (pulled.exit_code != 0) std::cerr << "crio pull failed: " << pulled.err;

    std::filesystem::remove_all(dir.Join("skopeo"));
    start = Clock::now();
    const auto copied = RunCommand({"skopeo", "copy", "--src-tls-verify=false", "docker://" + image,
                                    "dir:" + dir.Join("skopeo")},
                                   std::chrono::minutes(10));
    skopeo_times.push_back(Seconds(Clock::now() - start));
    if (copied.exit_code != 0) std::cerr << "skopeo copy failed: " << copied.err;

    // The peer that does crio's work: skopeo into a containers/storage store of its own.
    const std::string store = dir.Join("skopeo-store");
    ::umount2((store + "/overlay").c_str(), MNT_DETACH);  // the library's home mount
    std::filesystem::remove_all(store);
    start = Clock::now();
    const auto stored = RunCommand(
        {"skopeo", "copy", "--src-tls-verify=false", "docker://" + image,
         "containers-storage:[overlay@" + store + "+" + dir.Join("skopeo-run") + "]" + image},
        std::chrono::minutes(10));
    skopeo_store_times.push_back(Seconds(Clock::now() - start));
    if (stored.exit_code != 0) std::cerr << "skopeo copy to containers-storage failed: " << stored.err;
    std::cout << fmt::format(
        "round {}: crio pull {:.2f} s ({:.0f} MB/s, first layer after {:.2f} s), skopeo copy "
        "to a dir {:.2f} s, to containers-storage {:.2f} s\n",
        round + 1, crio_times.back(), compressed / 1e6 / crio_times.back(), first_layer,
        skopeo_times.back(), skopeo_store_times.back());
  }
  crio::testing::KillAndReap(crio);
  ::umount2(dir.Join("skopeo-store/overlay").c_str(), MNT_DETACH);
  ::umount2(dir.Join("root/overlay").c_str(), MNT_DETACH);  // crio's home mount, crio killed
  const double crio_median = Median(crio_times), skopeo_median = Median(skopeo_times);
  std::cout << fmt::format("median time to first layer: {:.2f} s ({:.2f}x the whole pull)\n",
                           Median(first_layer_times),
                           Median(first_layer_times) / Median(crio_times));
  std::cout << fmt::format(
      "median: crio {:.2f} s, skopeo {:.2f} s; crio takes {:.2f}x skopeo's time "
      "(crio also unpacks every layer; skopeo only stores the blobs)\n",
      crio_median, skopeo_median, crio_median / skopeo_median);
  const double store_median = Median(skopeo_store_times);
  std::cout << fmt::format(
      "median: skopeo into containers-storage {:.2f} s (the same work as crio's pull); crio "
      "takes {:.2f}x its time\n",
      store_median, crio_median / store_median);
  return 0;
}
