// crio shares containers/storage with podman and skopeo (Debian's podman 4.3.1 and skopeo
// 1.9.3, which use the containers/storage library): what one stores, the others see and use,
// as an operator who preloads images with skopeo or inspects crio's images with podman
// expects.
#include <sys/stat.h>

#include <filesystem>
#include <future>
#include <map>
#include <set>

#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "testing/detach_mounts.h"
#include "testing/tar_builder.h"
#include "tests/integration/container_fixture.h"

namespace crio::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class StoragePeersTest : public ContainerTest {
 protected:
  std::string Root() const { return crio_->dir().Join("lib"); }
  std::string RunRoot() const { return crio_->dir().Join("run/storage"); }
  // containers-storage:[overlay@ROOT+RUNROOT]NAME, skopeo's name for an image in crio's store.
  std::string InStore(const std::string& name) const {
    return "containers-storage:[overlay@" + Root() + "+" + RunRoot() + "]" + name;
  }

  RunResult Skopeo(std::vector<std::string> args) const {
    args.insert(args.begin(), "skopeo");
    return RunCommand(args, std::chrono::seconds(120));
  }

  grpc::Status RemoveImage(const std::string& name) {
    v1::RemoveImageRequest request;
    request.mutable_image()->set_image(name);
    v1::RemoveImageResponse response;
    return images_->RemoveImage(Context().get(), request, &response);
  }

  // Runs `cat FILE` in a container of image `name` (which crio never pulled) and returns
  // what it printed.
  std::string CatIn(const std::string& name, const std::string& file) {
    v1::ContainerConfig config = Config("cat", {"cat", file});
    config.mutable_image()->set_image(name);
    const std::string id = Create(config);
    if (id.empty()) return "(not created)";
    EXPECT_TRUE(Start(id).ok());
    const v1::ContainerStatus status = WaitForExit(id);
    EXPECT_EQ(status.exit_code(), 0);
    const std::string log = ReadText(status.log_path());
    EXPECT_TRUE(Remove(id).ok());
    const size_t at = log.find(" stdout F ");
    return at == std::string::npos ? log : log.substr(at + 10);
  }

  RunResult Podman(std::vector<std::string> args) const {
    args.insert(args.begin(), {"podman", "--root", Root(), "--runroot", RunRoot(),
                               "--storage-driver", "overlay", "--tmpdir",
                               crio_->dir().Join("podman-tmp"), "--events-backend", "none",
                               "--cgroup-manager", "cgroupfs"});
    return RunCommand(args, std::chrono::seconds(120));
  }
};

TEST_F(StoragePeersTest, ImagesCrioPullsAreImagesPodmanAndSkopeoUse) {
  const v1::Image pulled = ImageStatus(image_);
  ASSERT_FALSE(pulled.id().empty());

  const RunResult inspected = Skopeo({"inspect", InStore(image_)});
  ASSERT_EQ(inspected.exit_code, 0) << inspected.err;
  const json manifest = json::parse(inspected.out);
  ASSERT_EQ(pulled.repo_digests_size(), 1);
  EXPECT_EQ(pulled.repo_digests(0), registry_.host() + "/test/busybox@" +
                                        manifest["Digest"].get<std::string>());

  const RunResult images = Podman({"images", "--format", "json"});
  ASSERT_EQ(images.exit_code, 0) << images.err;
  const json listed = json::parse(images.out);
  ASSERT_EQ(listed.size(), 1u) << images.out;
  EXPECT_EQ(listed[0]["Id"], pulled.id());

  const RunResult mounted = Podman({"image", "mount", image_});
  ASSERT_EQ(mounted.exit_code, 0) << mounted.err;
  const std::string path = mounted.out.substr(0, mounted.out.find('\n'));
  EXPECT_TRUE(fs::exists(path + "/bin/busybox")) << path;
  EXPECT_EQ(Podman({"image", "unmount", image_}).exit_code, 0);

  // podman save rebuilds each layer's tar from the files and crio's tar-split: the archive's
  // layers must be byte for byte the ones the image's config names.
  const RunResult config = Skopeo({"inspect", "--config", InStore(image_)});
  ASSERT_EQ(config.exit_code, 0) << config.err;
  const std::string archive = dir_.Join("saved.tar");
  const RunResult saved = Podman({"save", "-o", archive, image_});
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  const RunResult archived = Skopeo({"inspect", "docker-archive:" + archive});
  ASSERT_EQ(archived.exit_code, 0) << archived.err;
  EXPECT_EQ(json::parse(archived.out)["Layers"], json::parse(config.out)["rootfs"]["diff_ids"]);
}

TEST_F(StoragePeersTest, ImagesSkopeoStoresRunWithoutAPull) {
  const std::string extra = BuildTar({{.name = "etc/", .type = kTarDir, .mode = 0755},
                                      {.name = "etc/preloaded", .content = "by skopeo\n"}},
                                     /*gzip=*/true);
  const PushedImage pushed = registry_.Push("test/preloaded", "1", {BusyboxLayer(), extra});
  const std::string name = registry_.host() + "/test/preloaded:1";
  // Copied into crio's store while crio runs, as an operator preloads a node.
  const RunResult copied =
      Skopeo({"copy", "--src-tls-verify=false", "docker://" + name, InStore(name)});
  ASSERT_EQ(copied.exit_code, 0) << copied.err;

  EXPECT_EQ(ImageStatus(name).id(), pushed.id);
  v1::ContainerConfig config = Config("preloaded", {"cat", "/etc/preloaded"});
  config.mutable_image()->set_image(name);  // never pulled by crio
  const std::string id = Create(config);
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(Start(id).ok());
  const v1::ContainerStatus status = WaitForExit(id);
  EXPECT_EQ(status.exit_code(), 0);
  EXPECT_NE(ReadText(status.log_path()).find(" stdout F by skopeo\n"), std::string::npos);
  ASSERT_TRUE(Remove(id).ok());

  // A restart of crio keeps what skopeo stored, and skopeo still reads it.
  crio_->Stop();
  ASSERT_TRUE(crio_->Start()) << crio_->Log();
  Connect();
  EXPECT_EQ(ImageStatus(name).id(), pushed.id);
  EXPECT_EQ(Skopeo({"inspect", InStore(name)}).exit_code, 0);
  // containers/storage's layers (its tar-split, its unpacking) check sound with crio's check.
  const RunResult check = RunCommand(crio_->Command({"check"}), std::chrono::seconds(120));
  EXPECT_EQ(check.exit_code, 0) << check.err;
}

TEST_F(StoragePeersTest, ImagesPodmanLoadsRunWithoutAPull) {
  const std::string extra = BuildTar({{.name = "etc/", .type = kTarDir, .mode = 0755},
                                      {.name = "etc/loaded", .content = "by podman load\n"}},
                                     /*gzip=*/true);
  const PushedImage pushed = registry_.Push("test/loaded", "1", {BusyboxLayer(), extra});
  const std::string name = registry_.host() + "/test/loaded:1";
  // An archive as an air-gapped node receives it, loaded into crio's store.
  const std::string archive = dir_.Join("loaded.tar");
  const RunResult saved = Skopeo(
      {"copy", "--src-tls-verify=false", "docker://" + name,
       "docker-archive:" + archive + ":" + name});
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  const RunResult loaded = Podman({"load", "-q", "-i", archive});
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;

  const v1::Image image = ImageStatus(name);
  EXPECT_EQ(image.id(), pushed.id);
  EXPECT_EQ(image.repo_tags_size(), 1);
  EXPECT_EQ(CatIn(name, "/etc/loaded"), "by podman load\n");
}

TEST_F(StoragePeersTest, PodmanSeesCriosContainersAndKeepsTheirImages) {
  const std::string id = Create(Config("sleeper", {"sleep", "600"}));
  ASSERT_FALSE(id.empty());

  const RunResult listed = Podman({"ps", "--external", "--format", "json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const json containers = json::parse(listed.out);
  ASSERT_EQ(containers.size(), 1u) << listed.out;
  EXPECT_EQ(containers[0]["Id"], id);
  EXPECT_EQ(containers[0]["ImageID"], ImageStatus(image_).id());

  const RunResult removed = Podman({"rmi", image_});
  EXPECT_NE(removed.exit_code, 0) << "podman removed an image a crio container uses";
  EXPECT_EQ(ImageStatus(image_).id().empty(), false);

  ASSERT_TRUE(Remove(id).ok());
  const RunResult after = Podman({"ps", "--external", "--format", "json"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_TRUE(json::parse(after.out).empty()) << after.out << crio_->Log();
}

TEST_F(StoragePeersTest, CrioKeepsImagesPodmansContainersUse) {
  const RunResult created =
      Podman({"create", "--name", "podmans", "--network", "none", image_, "true"});
  ASSERT_EQ(created.exit_code, 0) << created.err;

  EXPECT_EQ(RemoveImage(image_).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_FALSE(ImageStatus(image_).id().empty());

  ASSERT_EQ(Podman({"rm", "podmans"}).exit_code, 0);
  EXPECT_TRUE(RemoveImage(image_).ok());
  EXPECT_TRUE(ImageStatus(image_).id().empty());
}

TEST_F(StoragePeersTest, CrioAndPodmanPullingSharedLayersAtOnceKeepOneConsistentStore) {
  for (int round = 0; round < 20; ++round) {
    const std::string tag = std::to_string(round);
    const std::string base = BuildTar({{.name = "base", .content = "round " + tag}}, true);
    const std::string crios = registry_.host() + "/race/crio:" + tag;
    const std::string podmans = registry_.host() + "/race/podman:" + tag;
    registry_.Push("race/crio", tag, {base, BuildTar({{.name = "c", .content = tag}}, true)});
    registry_.Push("race/podman", tag, {base, BuildTar({{.name = "p", .content = tag}}, true)});

    auto podman = std::async(std::launch::async, [&] {
      return Podman({"pull", "--tls-verify=false", "--signature-policy",
                     dir_.Join("policy.json"), "-q", podmans});
    });
    const grpc::Status status = Pull(crios);
    const RunResult podman_pulled = podman.get();
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(podman_pulled.exit_code, 0) << podman_pulled.err;

    // Both see both, and the shared layer exists once, complete.
    EXPECT_FALSE(ImageStatus(podmans).id().empty()) << "round " << round;
    EXPECT_EQ(Podman({"image", "exists", crios}).exit_code, 0) << "round " << round;
    const json layers = json::parse(ReadText(Root() + "/overlay-layers/layers.json"));
    std::set<std::string> ids;
    for (const json& layer : layers) {
      EXPECT_TRUE(ids.insert(layer["id"].get<std::string>()).second) << layer.dump();
      EXPECT_FALSE(layer.contains("flags")) << layer.dump();
    }
  }
  const RunResult images = Podman({"images", "--format", "json"});
  ASSERT_EQ(images.exit_code, 0) << images.err;
  const json listed = json::parse(images.out);
  EXPECT_EQ(listed.size(), 41u);  // the fixture's busybox and 2 × 20

  // podman 4.3 has no `podman system check`: every image inspected and mounted is its
  // check that the store is whole.
  std::vector<std::string> ids;
  for (const json& image : listed) ids.push_back(image["Id"].get<std::string>());
  std::vector<std::string> inspect = {"image", "inspect"};
  inspect.insert(inspect.end(), ids.begin(), ids.end());
  const RunResult inspected = Podman(inspect);
  EXPECT_EQ(inspected.exit_code, 0) << inspected.err;
  std::vector<std::string> mount = {"image", "mount"};
  mount.insert(mount.end(), ids.begin(), ids.end());
  const RunResult mounted = Podman(mount);
  EXPECT_EQ(mounted.exit_code, 0) << mounted.err;
  EXPECT_EQ(Podman({"image", "unmount", "--all"}).exit_code, 0);
}

TEST_F(StoragePeersTest, CrioWipeTakesItsPodsAndTheirImagesOnly) {
  const std::string id = Create(Config("sleeper", {"sleep", "600"}));
  ASSERT_FALSE(id.empty());
  const std::string others = registry_.host() + "/test/others:1";
  registry_.Push("test/others", "1",
                 {BusyboxLayer(), BuildTar({{.name = "o", .content = "o"}}, /*gzip=*/true)});
  ASSERT_EQ(Podman({"pull", "-q", "--tls-verify=false", "--signature-policy",
                    dir_.Join("policy.json"), others})
                .exit_code,
            0);
  ASSERT_EQ(crio_->Stop(), 0);

  const RunResult wiped = RunCommand(crio_->Command({"wipe", "--force"}), std::chrono::seconds(60));
  EXPECT_EQ(wiped.exit_code, 0) << wiped.err;
  // The pod with its container, and the image they used (busybox, also the pause image).
  EXPECT_NE(wiped.out.find("removed 1 pods and 1 images"), std::string::npos) << wiped.out;
  const RunResult images = Podman({"images", "--format", "{{.Repository}}:{{.Tag}}"});
  EXPECT_EQ(images.out, others + "\n") << "podman's image is not crio's to wipe";

  ASSERT_TRUE(crio_->Start()) << crio_->Log();
  Connect();
  EXPECT_TRUE(ImageStatus(image_).id().empty());
  EXPECT_FALSE(ImageStatus(others).id().empty());
}

// An operator's read-only image cache (storage.conf's additionalimagestores, here as
// storage_option), seeded by skopeo before crio starts.
class AdditionalImageStoreTest : public StoragePeersTest {
 protected:
  std::string ExtraConfig() override {
    const std::string extra = BuildTar({{.name = "etc/", .type = kTarDir, .mode = 0755},
                                        {.name = "etc/seeded", .content = "from the cache\n"}},
                                       /*gzip=*/true);
    pushed_ = registry_.Push("test/seeded", "1", {BusyboxLayer(), extra});
    seeded_ = registry_.host() + "/test/seeded:1";
    const RunResult copied = Skopeo(
        {"copy", "--src-tls-verify=false", "docker://" + seeded_,
         "containers-storage:[overlay@" + Store() + "+" + dir_.Join("seed-run") + "]" + seeded_});
    EXPECT_EQ(copied.exit_code, 0) << copied.err;
    return "[crio]\nstorage_option = [\"overlay.imagestore=" + Store() +
           "\", \"overlay.mountopt=nodev\"]\n";
  }
  void TearDown() override {
    StoragePeersTest::TearDown();
    DetachMountsUnder(dir_.path());  // skopeo leaves the store's home mounted
  }
  std::string Store() const { return dir_.Join("seeded-store"); }

  // Every path under `dir` with its size and modification time.
  static std::map<std::string, std::string> Listing(const std::string& dir) {
    std::map<std::string, std::string> listing;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      struct stat info {};
      ::lstat(entry.path().c_str(), &info);
      listing[entry.path().string()] =
          std::to_string(info.st_size) + " " + std::to_string(info.st_mtim.tv_sec) + "." +
          std::to_string(info.st_mtim.tv_nsec);
    }
    return listing;
  }

  PushedImage pushed_;
  std::string seeded_;
};

TEST_F(AdditionalImageStoreTest, ImagesThereRunWithoutAPullAndStayThere) {
  const auto before = Listing(Store());
  EXPECT_EQ(ImageStatus(seeded_).id(), pushed_.id);
  v1::ListImagesResponse listed;
  ASSERT_TRUE(images_->ListImages(Context().get(), v1::ListImagesRequest(), &listed).ok());
  EXPECT_EQ(listed.images_size(), 2);  // the fixture's busybox, and the cache's

  EXPECT_EQ(CatIn(seeded_, "/etc/seeded"), "from the cache\n");
  const grpc::Status removed = RemoveImage(seeded_);
  EXPECT_EQ(removed.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(removed.error_message().find("read-only"), std::string::npos)
      << removed.error_message();

  EXPECT_EQ(Listing(Store()), before) << "crio wrote into the read-only store";

  // The store's mountopt applies to every container's root filesystem.
  const std::string id = Create(Config("sleeper", {"sleep", "600"}));
  ASSERT_FALSE(id.empty());
  std::string rootfs_mount;
  for (const absl::string_view line : absl::StrSplit(ReadText("/proc/self/mountinfo"), '\n')) {
    if (line.find(Root() + "/overlay/") != std::string::npos &&
        line.find("/merged ") != std::string::npos) {
      rootfs_mount = std::string(line);
    }
  }
  EXPECT_NE(rootfs_mount.find(",nodev"), std::string::npos) << rootfs_mount;
  ASSERT_TRUE(Remove(id).ok());
  // Nothing of it was copied into crio's own store.
  const json layers = json::parse(ReadText(Root() + "/overlay-layers/layers.json"));
  for (const json& layer : layers) {
    EXPECT_FALSE(fs::exists(Store() + "/overlay/" + layer["id"].get<std::string>()))
        << "layer " << layer["id"] << " is in both stores";
  }
}

// A split image store (`imagestore`): pulled images and their layers go there, containers
// and their writable layers stay under root, and ImageFsInfo reports the two apart, as CRI-O
// does, so the kubelet can watch the image and the container filesystems separately.
class SplitImageStoreTest : public StoragePeersTest {
 protected:
  std::string ExtraConfig() override {
    return "[crio]\nimagestore = \"" + ImageRoot() + "\"\n";
  }
  std::string ImageRoot() const { return dir_.Join("image-store"); }
};

TEST_F(SplitImageStoreTest, ImagesGoToTheImageStoreAndContainersStayUnderRoot) {
  const std::string image_id = ImageStatus(image_).id();
  ASSERT_FALSE(image_id.empty());
  const json in_image_store = json::parse(ReadText(ImageRoot() + "/overlay-images/images.json"));
  ASSERT_EQ(in_image_store.size(), 1u);
  EXPECT_EQ(in_image_store[0]["id"], image_id);
  const std::string under_root = ReadText(Root() + "/overlay-images/images.json");
  EXPECT_TRUE(under_root.empty() || json::parse(under_root).empty()) << under_root;
  const json image_layers = json::parse(ReadText(ImageRoot() + "/overlay-layers/layers.json"));
  ASSERT_FALSE(image_layers.empty());
  const std::string top_layer = image_layers.back()["id"];
  EXPECT_TRUE(fs::exists(ImageRoot() + "/overlay/" + top_layer + "/diff"));

  EXPECT_EQ(CatIn(image_, "/etc/passwd").find("root:"), 0u);
  const std::string id = Create(Config("sleeper", {"sleep", "600"}));
  ASSERT_FALSE(id.empty());
  const json container_layers = json::parse(ReadText(Root() + "/overlay-layers/layers.json"));
  ASSERT_EQ(container_layers.size(), 1u);
  EXPECT_EQ(container_layers[0]["parent"], top_layer);
  EXPECT_TRUE(fs::exists(Root() + "/overlay/" + container_layers[0]["id"].get<std::string>()));

  v1::ImageFsInfoResponse usage;
  ASSERT_TRUE(images_->ImageFsInfo(Context().get(), v1::ImageFsInfoRequest(), &usage).ok());
  ASSERT_EQ(usage.image_filesystems_size(), 1);
  EXPECT_EQ(usage.image_filesystems(0).fs_id().mountpoint(), ImageRoot() + "/overlay-images");
  ASSERT_EQ(usage.container_filesystems_size(), 1);
  EXPECT_EQ(usage.container_filesystems(0).fs_id().mountpoint(),
            Root() + "/overlay-containers");

  EXPECT_EQ(RemoveImage(image_).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(Remove(id).ok());
  ASSERT_TRUE(RemoveImage(image_).ok());
  EXPECT_TRUE(json::parse(ReadText(ImageRoot() + "/overlay-layers/layers.json")).empty());
  EXPECT_FALSE(fs::exists(ImageRoot() + "/overlay/" + top_layer));
}

}  // namespace
}  // namespace crio::testing
