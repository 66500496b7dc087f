#include "tests/conformance/critest_images.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "testing/subprocess.h"
#include "testing/tar_builder.h"

namespace crio::testing {
namespace {

constexpr char kE2eImages[] = "registry.k8s.io/e2e-test-images/";
constexpr char kCriTools[] = "gcr.io/k8s-staging-cri-tools/";

constexpr char kPasswd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
    "www-data:x:33:33:www-data:/var/www:/bin/false\n"
    "nobody:x:65534:65534:nobody:/home:/bin/false\n";
constexpr char kGroup[] =
    "root:x:0:\n"
    "daemon:x:1:\n"
    "www-data:x:33:\n"
    "nogroup:x:65534:\n";

// Debian's busybox has neither pgrep nor ipcs; the suite runs `pgrep sleep` and `ipcs -m`.
constexpr char kPgrep[] = R"(#!/bin/sh
# pgrep PATTERN: the pid of each process whose name matches PATTERN; status 1 if none does.
status=1
for dir in /proc/[0-9]*; do
  name=$(cat "$dir/comm" 2>/dev/null) || continue
  if echo "$name" | grep -qE -- "$1"; then echo "${dir#/proc/}"; status=0; fi
done
exit $status
)";
constexpr char kIpcs[] = R"(#!/bin/sh
# ipcs -m: the System V shared memory segments of this IPC namespace.
echo "------ Shared Memory Segments --------"
echo "key        shmid      owner      perms      bytes      nattch"
tail -n +2 /proc/sysvipc/shm | while read key shmid perms bytes cpid lpid nattch uid rest; do
  echo "$key $shmid $uid $perms $bytes $nattch"
done
)";

// Apache's image logs its command line; the multi-container spec waits for that line.
constexpr char kHttpdForeground[] = R"(#!/bin/sh
echo "[core:notice] AH00094: Command line: 'httpd -D FOREGROUND'" >&2
exec httpd -f -v -p 80 -h /usr/local/apache2/htdocs
)";

std::string NginxConf(int port) {
  return "user www-data;\n"
         "worker_processes 1;\n"
         "pid /var/run/nginx.pid;\n"
         "error_log stderr;\n"
         "events { worker_connections 64; }\n"
         "http {\n"
         "  access_log /dev/stdout;\n"
         "  server {\n"
         "    listen " +
         std::to_string(port) +
         ";\n"
         "    root /usr/share/nginx/html;\n"
         "  }\n"
         "}\n";
}

// One layer's entries, with every parent directory added once.
class LayerBuilder {
 public:
  explicit LayerBuilder(std::string* error) : error_(error) {}

  void Dir(const std::string& path, mode_t mode = 0755) {
    if (!dirs_.insert(path).second) return;
    Parents(path);
    entries_.push_back({.name = path + "/", .type = kTarDir, .mode = mode});
  }

  void File(const std::string& path, std::string content, mode_t mode = 0644) {
    Parents(path);
    entries_.push_back({.name = path, .content = std::move(content), .mode = mode});
  }

  void HardLink(const std::string& path, const std::string& target) {
    Parents(path);
    entries_.push_back({.name = path, .link = target, .hardlink = true});
  }

  // Copies `host_path` to `path` with the shared libraries it loads, each at the path the
  // dynamic loader looks for it.
  void Program(const std::string& host_path, const std::string& path, mode_t mode = 0755) {
    File(path, ReadHostFile(host_path), mode);
    for (const std::string& library : SharedLibraries(host_path)) {
      if (!libraries_.insert(library).second) continue;
      // Keeps the host's mode: the dynamic loader must stay executable.
      std::error_code ignored;
      const auto permissions = std::filesystem::status(library, ignored).permissions();
      File(library.substr(1), ReadHostFile(library), static_cast<mode_t>(permissions) & 07777);
    }
  }

  std::string Build() const { return BuildTar(entries_, /*gzip=*/true); }

 private:
  void Parents(const std::string& path) {
    const std::string parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) Dir(parent);
  }

  std::string ReadHostFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      *error_ = "cannot read " + path;
      return "";
    }
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
  }

  // The libraries `ldd` lists for `binary` (the vDSO has no file and is skipped).
  std::vector<std::string> SharedLibraries(const std::string& binary) {
    const RunResult ldd = RunCommand({"ldd", binary});
    std::vector<std::string> libraries;
    if (ldd.exit_code != 0) return libraries;  // a static program
    std::istringstream lines(ldd.out);
    for (std::string line; std::getline(lines, line);) {
      const size_t arrow = line.find("=> ");
      const size_t start = line.find('/', arrow == std::string::npos ? 0 : arrow);
      if (start == std::string::npos) continue;
      const size_t end = line.find(' ', start);
      libraries.push_back(line.substr(start, end == std::string::npos ? end : end - start));
    }
    return libraries;
  }

  std::string* error_;
  std::set<std::string> dirs_;
  std::set<std::string> libraries_;
  std::vector<TarEntry> entries_;
};

// Debian's dynamic busybox with every applet a hard link in /bin, users, and the pgrep and
// ipcs scripts.
std::string BusyboxLayer(const std::string& debian_root, std::string* error) {
  const std::string busybox = debian_root + "/bin/busybox";
  const RunResult applets = RunCommand({busybox, "--list"});
  if (applets.exit_code != 0) {
    *error = "cannot list the applets of " + busybox + " (is Debian's busybox unpacked there?)";
    return "";
  }
  LayerBuilder layer(error);
  for (const char* dir : {"etc", "proc", "sys", "dev", "root", "var/run", "var/www", "run", "home",
                          "usr/bin", "usr/sbin", "usr/local/bin"}) {
    layer.Dir(dir);
  }
  layer.Dir("tmp", 01777);
  layer.Program(busybox, "bin/busybox");
  std::istringstream names(applets.out);
  for (std::string applet; std::getline(names, applet);) {
    if (!applet.empty() && applet != "busybox") layer.HardLink("bin/" + applet, "bin/busybox");
  }
  layer.File("bin/pgrep", kPgrep, 0755);
  layer.File("bin/ipcs", kIpcs, 0755);
  layer.File("etc/passwd", kPasswd);
  layer.File("etc/group", kGroup);
  return layer.Build();
}

std::string NginxLayer(const std::string& debian_root, int port, std::string* error) {
  LayerBuilder layer(error);
  layer.Program(debian_root + "/usr/sbin/nginx", "usr/sbin/nginx");
  layer.File("etc/nginx/nginx.conf", NginxConf(port));
  layer.File("usr/share/nginx/html/index.html", "<html><body>nginx stand-in</body></html>\n");
  layer.Dir("var/log/nginx");
  layer.Dir("var/lib/nginx");
  return layer.Build();
}

std::string HttpdLayer(std::string* error) {
  LayerBuilder layer(error);
  layer.File("usr/local/bin/httpd-foreground", kHttpdForeground, 0755);
  layer.File("usr/local/apache2/htdocs/index.html", "<html><body>It works!</body></html>\n");
  return layer.Build();
}

std::string SetuidLayer(const std::string& program, std::string* error) {
  LayerBuilder layer(error);
  layer.Program(program, "usr/local/bin/nnp", 04755);
  return layer.Build();
}

// busybox's `adduser -u 1000 -D default-user` plus a group it belongs to (gid 50000).
std::string PredefinedGroupLayer(std::string* error) {
  LayerBuilder layer(error);
  layer.File(
      "etc/passwd",
      std::string(kPasswd) + "default-user:x:1000:1000:Linux User,,,:/home/default-user:/bin/sh\n");
  layer.File(
      "etc/group",
      std::string(kGroup) + "default-user:x:1000:\ngroup-defined-in-image:x:50000:default-user\n");
  layer.Dir("home/default-user");
  return layer.Build();
}

std::string MarkerLayer(const std::string& name, std::string* error) {
  LayerBuilder layer(error);
  layer.File("etc/" + name, name + "\n");
  return layer.Build();
}

}  // namespace

std::vector<StandInImage> CritestStandIns(const StandInSources& sources, std::string* error) {
  const std::string busybox = BusyboxLayer(sources.debian_root, error);
  if (!error->empty()) return {};
  const ImageConfig shell;  // Cmd ["sh"]
  const ImageConfig nginx{.cmd = {"nginx", "-g", "daemon off;"}, .exposed_ports = {"80/tcp"}};
  const auto with_user = [](const std::string& user) { return ImageConfig{.user = user}; };
  const auto marker = [&](const std::string& name) { return MarkerLayer(name, error); };

  std::vector<StandInImage> images = {
      {kE2eImages + std::string("busybox"), "1.29-2", {busybox}, shell},
      {kE2eImages + std::string("nginx"),
       "1.14-2",
       {busybox, NginxLayer(sources.debian_root, 80, error)},
       nginx},
      {kCriTools + std::string("hostnet-nginx-amd64"),
       "latest",
       {busybox, NginxLayer(sources.debian_root, 12003, error)},
       nginx},
      {kE2eImages + std::string("httpd"),
       "2.4.39-4",
       {busybox, HttpdLayer(error)},
       ImageConfig{.cmd = {"httpd-foreground"}, .exposed_ports = {"80/tcp"}}},
      {kE2eImages + std::string("nonewprivs"),
       "1.3",
       {busybox, SetuidLayer(sources.setuid_program, error)},
       ImageConfig{.entrypoint = {"/usr/local/bin/nnp"}, .cmd = {}}},
      {kCriTools + std::string("test-image-user-uid"), "latest", {busybox}, with_user("1002")},
      {kCriTools + std::string("test-image-user-username"),
       "latest",
       {busybox},
       with_user("www-data")},
      {kCriTools + std::string("test-image-user-uid-group"),
       "latest",
       {busybox},
       with_user("1003:1004")},
      {kCriTools + std::string("test-image-user-username-group"),
       "latest",
       {busybox},
       with_user("www-data:1004")},
      {kCriTools + std::string("test-image-predefined-group"),
       "latest",
       {busybox, PredefinedGroupLayer(error)},
       with_user("1000")},
  };
  // Distinct images, one marker file each.
  for (const auto& [name, tag] :
       std::vector<std::pair<std::string, std::string>>{{"test-image-latest", "latest"},
                                                        {"test-image-tag", "test"},
                                                        {"test-image-tag", "all"},
                                                        {"test-image-1", "latest"},
                                                        {"test-image-2", "latest"},
                                                        {"test-image-3", "latest"}}) {
    images.push_back({kCriTools + name, tag, {busybox, marker(name + "-" + tag)}, shell});
  }
  // One image under three tags.
  const std::string same = marker("test-image-tags");
  for (const char* tag : {"1", "2", "3"}) {
    images.push_back({kCriTools + std::string("test-image-tags"), tag, {busybox, same}, shell});
  }
  // Like the real pause image: one static program, nothing else.
  LayerBuilder pause(error);
  pause.Program(sources.pause_program, "pause");
  const size_t colon = sources.pause_image.rfind(':');
  images.push_back({sources.pause_image.substr(0, colon),
                    sources.pause_image.substr(colon + 1),
                    {pause.Build()},
                    ImageConfig{.entrypoint = {"/pause"}, .cmd = {}}});
  if (!error->empty()) return {};
  return images;
}

}  // namespace crio::testing
