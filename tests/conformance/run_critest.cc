// crio-critest: runs critest against a real crio with the suite's images served offline.
//
//   crio-critest --critest PATH --debian-root DIR [--crio-log FILE] [-- CRITEST-FLAGS...]
//
// Starts a local registry holding the stand-in images (critest_images.h), a crio whose
// registries.conf mirrors registry.k8s.io and gcr.io to that registry, with a CNI bridge
// network of its own; runs critest in the foreground; then removes the pods the suite left,
// stops crio and the registry. Exits with critest's status. Run as root.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "tests/conformance/critest_images.h"
#include "tests/integration/crio_daemon.h"
#include "tests/integration/test_network.h"

extern char** environ;

namespace crio::testing {
namespace {

constexpr char kPauseImage[] = "registry.k8s.io/pause:3.10.1";

struct Options {
  std::string critest;
  std::string debian_root;
  std::string crio_log = "crio-critest.log";
  std::vector<std::string> critest_flags;
};

bool ParseOptions(int argc, char** argv, Options* options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      options->critest_flags.assign(argv + i + 1, argv + argc);
      break;
    }
    if (i + 1 >= argc) return false;
    if (arg == "--critest") {
      options->critest = argv[++i];
    } else if (arg == "--debian-root") {
      options->debian_root = argv[++i];
    } else if (arg == "--crio-log") {
      options->crio_log = argv[++i];
    } else {
      return false;
    }
  }
  return !options->critest.empty() && !options->debian_root.empty();
}

// Both registries the suite names resolve to the local one; nothing else is reachable.
std::string RegistriesConf(const std::string& local) {
  std::string conf = "unqualified-search-registries = []\n";
  for (const char* registry : {"registry.k8s.io", "gcr.io"}) {
    conf += std::string("[[registry]]\nprefix = \"") + registry + "\"\nlocation = \"" + registry +
            "\"\n[[registry.mirror]]\nlocation = \"" + local + "\"\ninsecure = true\n";
  }
  return conf;
}

// The repository path within its registry: "registry.k8s.io/pause" → "pause".
std::string RepositoryPath(const std::string& name) { return name.substr(name.find('/') + 1); }

bool PushStandIns(LocalRegistry& registry, const Options& options) {
  std::string error;
  const std::vector<StandInImage> images =
      CritestStandIns({.debian_root = options.debian_root,
                       .setuid_program = BinPath("critest-nnp"),
                       .pause_program = BinPath("critest-pause"),
                       .pause_image = kPauseImage},
                      &error);
  if (images.empty()) {
    std::cerr << "crio-critest: building the stand-in images: " << error << "\n";
    return false;
  }
  for (const StandInImage& image : images) {
    const PushedImage pushed =
        registry.Push(RepositoryPath(image.name), image.tag, image.layers, image.config);
    std::cout << "crio-critest: " << image.name << ":" << image.tag << " → "
              << pushed.manifest_digest << "\n";
  }
  return true;
}

// Runs argv with this process's stdin, stdout and stderr; returns its exit status.
int RunInForeground(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  // This process ignores SIGINT (see main); the child gets the default action back.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t interrupt;
  sigemptyset(&interrupt);
  sigaddset(&interrupt, SIGINT);
  posix_spawnattr_setsigdefault(&attributes, &interrupt);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, argv[0], nullptr, &attributes, argv.data(), environ);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    std::cerr << "crio-critest: cannot run " << args[0] << "\n";
    return 127;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int Run(const Options& options) {
  if (geteuid() != 0) {
    std::cerr << "crio-critest: run as root\n";
    return 2;
  }
  LocalRegistry registry;
  if (!registry.running()) {
    std::cerr << "crio-critest: docker-registry did not start\n";
    return 2;
  }
  if (!PushStandIns(registry, options)) return 2;

  TempDir dir;
  ::setenv("CONTAINERS_REGISTRIES_CONF",
           dir.WriteFile("registries.conf", RegistriesConf(registry.host())).c_str(), 1);
  const std::string policy =
      dir.WriteFile("policy.json", R"({"default":[{"type":"insecureAcceptAnything"}]})");
  // As CRI-O's own critest job runs it: the suite expects an empty seccomp profile to mean
  // unconfined, as the CRI says.
  CrioDaemon crio("[crio.runtime]\nseccomp_use_default_when_empty = false\n"
                  "[crio.image]\nsignature_policy = \"" + policy + "\"\npause_image = \"" +
                  kPauseImage + "\"\n");
  TestCniNetwork network(crio.network_dir(), dir.Join("cni"));
  const bool started = crio.Start();
  int status = 2;
  if (started) {
    std::vector<std::string> critest = {options.critest, "--runtime-endpoint", crio.endpoint(),
                                        "--image-endpoint", crio.endpoint()};
    critest.insert(critest.end(), options.critest_flags.begin(), options.critest_flags.end());
    status = RunInForeground(critest);
    // A failed spec may leave its pod behind; remove them all while crio still runs.
    RunCommand({BinPath("crioctl"), "-r", crio.endpoint(), "rmp", "--all", "--force"},
               std::chrono::minutes(2));
    crio.Stop();
  } else {
    std::cerr << "crio-critest: crio did not start\n";
  }
  std::error_code ignored;
  std::filesystem::copy_file(crio.log_path(), options.crio_log,
                             std::filesystem::copy_options::overwrite_existing, ignored);
  std::cout << "crio-critest: crio's log is in " << options.crio_log << "\n";
  return status;
}

}  // namespace
}  // namespace crio::testing

int main(int argc, char** argv) {
  crio::testing::Options options;
  if (!crio::testing::ParseOptions(argc, argv, &options)) {
    std::cerr << "usage: crio-critest --critest PATH --debian-root DIR [--crio-log FILE]"
                 " [-- CRITEST-FLAGS...]\n";
    return 2;
  }
  // critest interrupted with ^C: let this process clean up after it.
  signal(SIGINT, SIG_IGN);
  return crio::testing::Run(options);
}
