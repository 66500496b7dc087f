// Images as an operator meets them: a registry on 127.0.0.1, crio pulling from it through
// registries.conf, crioctl listing, inspecting and removing.
#include <signal.h>
#include <stdlib.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>

#include "common/sha256.h"
#include "cri_api.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "testing/gpg_signer.h"
#include "testing/local_registry.h"
#include "testing/sigstore_signer.h"
#include "testing/tar_builder.h"
#include "tests/integration/crio_daemon.h"

namespace crio::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kBase =
    BuildTar({{.name = "bin/", .type = kTarDir, .mode = 0755},
              {.name = "bin/busybox", .content = "#!/bin/true\n", .mode = 0755},
              {.name = "bin/sh", .type = kTarSymlink, .link = "busybox"},
              {.name = "etc/passwd", .content = "root:x:0:0:root:/root:/bin/sh\n"}},
             /*gzip=*/true);
const std::string kApp =
    BuildTar({{.name = "app/run", .content = "echo hi\n", .mode = 0755}}, true);

class ImageTest : public ::testing::Test {
 protected:
  // The layer dirs under the storage root (the overlay driver's short links aside).
  std::vector<fs::path> LayerDirs() const {
    std::vector<fs::path> layers;
    for (const auto& entry : fs::directory_iterator(crio_->dir().Join("lib/overlay"))) {
      const std::string name = entry.path().filename().string();
      if (name != "l" && name != "crio-staging") layers.push_back(entry.path());
    }
    return layers;
  }
  // No layer, no short link, nothing half unpacked.
  bool NoLayers() const {
    return LayerDirs().empty() && fs::is_empty(crio_->dir().Join("lib/overlay/l")) &&
           fs::is_empty(crio_->dir().Join("lib/overlay/crio-staging"));
  }

  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "integration tests run as root";
    ASSERT_TRUE(registry_.running()) << "docker-registry did not start";
    crio_ = std::make_unique<CrioDaemon>(
        "[crio.image]\nsignature_policy = \"" +
        Dir().WriteFile("policy.json", R"({"default":[{"type":"insecureAcceptAnything"}]})") +
        "\"\n");
    const std::string registries = Dir().WriteFile(
        "registries.conf", "unqualified-search-registries = [\"" + registry_.host() +
                               "\"]\n[[registry]]\nlocation = \"" + registry_.host() +
                               "\"\ninsecure = true\n");
    ::setenv("CONTAINERS_REGISTRIES_CONF", registries.c_str(), 1);
    ASSERT_TRUE(crio_->Start()) << crio_->Log();
  }

  const TempDir& Dir() const { return dir_; }
  RunResult Crioctl(std::vector<std::string> args) const {
    args.insert(args.begin(), {BinPath("crioctl"), "-r", crio_->endpoint(), "-t", "30s"});
    return RunCommand(args, std::chrono::seconds(60));
  }

  TempDir dir_;
  LocalRegistry registry_;
  std::unique_ptr<CrioDaemon> crio_;
};

TEST_F(ImageTest, PullListInspectAndRemove) {
  const PushedImage pushed = registry_.Push("tools/busybox", "1.36", {kBase, kApp}, "1000");
  const std::string name = registry_.host() + "/tools/busybox:1.36";

  const RunResult pull = Crioctl({"pull", name});
  ASSERT_EQ(pull.exit_code, 0) << pull.err << crio_->Log();
  EXPECT_EQ(pull.out, "Image is up to date for " + pushed.id + "\n");

  const RunResult images = Crioctl({"images"});
  ASSERT_EQ(images.exit_code, 0) << images.err;
  EXPECT_NE(images.out.find(registry_.host() + "/tools/busybox"), std::string::npos) << images.out;
  EXPECT_NE(images.out.find("1.36"), std::string::npos) << images.out;
  EXPECT_NE(images.out.find(pushed.id.substr(0, 13)), std::string::npos) << images.out;

  const RunResult inspect = Crioctl({"inspecti", name});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  const json status = json::parse(inspect.out);
  EXPECT_EQ(status["status"]["id"], pushed.id);
  EXPECT_EQ(status["status"]["uid"]["value"], "1000");  // int64 is a string in protobuf JSON
  EXPECT_EQ(status["status"]["repoDigests"][0],
            registry_.host() + "/tools/busybox@" + pushed.manifest_digest);
  EXPECT_EQ(status["info"]["labels"]["test"], "crio");

  // The layers are unpacked on disk under the storage root.
  const std::vector<fs::path> layers = LayerDirs();
  for (const fs::path& layer : layers) EXPECT_TRUE(fs::exists(layer / "diff"));
  EXPECT_EQ(layers.size(), 2u);

  const RunResult rmi = Crioctl({"rmi", name});
  ASSERT_EQ(rmi.exit_code, 0) << rmi.err;
  EXPECT_EQ(Crioctl({"images", "-q"}).out, "");
  EXPECT_TRUE(NoLayers());
}

// ListImages over the wire (its answer goes out as bytes kept between calls): it follows
// pulls and removals, filters, and refuses a request that is not a ListImagesRequest.
TEST_F(ImageTest, ListImagesFollowsTheStoreFiltersAndRefusesGarbage) {
  namespace v1 = runtime::v1;
  const auto channel =
      grpc::CreateChannel(crio_->endpoint(), grpc::InsecureChannelCredentials());
  auto images = v1::ImageService::NewStub(channel);
  auto list = [&](const std::string& filter) {
    grpc::ClientContext context;
    v1::ListImagesRequest request;
    if (!filter.empty()) request.mutable_filter()->mutable_image()->set_image(filter);
    v1::ListImagesResponse response;
    EXPECT_TRUE(images->ListImages(&context, request, &response).ok());
    std::vector<std::string> tags;
    for (const v1::Image& image : response.images()) tags.push_back(image.repo_tags(0));
    std::sort(tags.begin(), tags.end());
    return tags;
  };
  const std::string one = registry_.host() + "/tools/one:1";
  const std::string two = registry_.host() + "/tools/two:1";
  registry_.Push("tools/one", "1", {kBase});
  registry_.Push("tools/two", "1", {kBase, kApp});
  EXPECT_TRUE(list("").empty());
  ASSERT_EQ(Crioctl({"pull", one}).exit_code, 0);
  EXPECT_EQ(list(""), std::vector<std::string>{one});
  EXPECT_EQ(list(""), std::vector<std::string>{one});
  ASSERT_EQ(Crioctl({"pull", two}).exit_code, 0);
  EXPECT_EQ(list(""), (std::vector<std::string>{one, two}));
  EXPECT_EQ(list(two), std::vector<std::string>{two});
  ASSERT_EQ(Crioctl({"rmi", one}).exit_code, 0);
  EXPECT_EQ(list(""), std::vector<std::string>{two});

  grpc::GenericStub generic(channel);
  grpc::ClientContext context;
  const grpc::Slice garbage(std::string("\xff\xff\xff\xff not protobuf"));
  const grpc::ByteBuffer request(&garbage, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  generic.UnaryCall(&context, "/runtime.v1.ImageService/ListImages", grpc::StubOptions(),
                    &request, &response, [&](grpc::Status status) { done.set_value(status); });
  const grpc::Status refused = done.get_future().get();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << refused.error_message();
  EXPECT_EQ(list(""), std::vector<std::string>{two});
}

TEST_F(ImageTest, ShortNamesSharedLayersAndRestart) {
  const PushedImage first = registry_.Push("busybox", "latest", {kBase}, "");
  const PushedImage second = registry_.Push("app", "v1", {kBase, kApp}, "www-data");
  ASSERT_EQ(Crioctl({"pull", "busybox"}).exit_code, 0) << crio_->Log();
  ASSERT_EQ(Crioctl({"pull", "app:v1"}).exit_code, 0) << crio_->Log();
  EXPECT_EQ(LayerDirs().size(), 2u);  // the base layer is stored once

  // Images survive a restart.
  EXPECT_EQ(crio_->Stop(), 0);
  ASSERT_TRUE(crio_->Start()) << crio_->Log();
  const RunResult ids = Crioctl({"images", "-q"});
  EXPECT_NE(ids.out.find(first.id), std::string::npos) << ids.out;
  EXPECT_NE(ids.out.find(second.id), std::string::npos) << ids.out;
  const json listed = json::parse(Crioctl({"images", "-o", "json"}).out);
  ASSERT_EQ(listed["images"].size(), 2u);

  // Removing by ID takes every name.
  ASSERT_EQ(Crioctl({"rmi", second.id.substr(0, 12)}).exit_code, 0);
  EXPECT_EQ(Crioctl({"images", "-q"}).out, first.id + "\n");
}

TEST_F(ImageTest, DockerSchema2ImagesPull) {
  const PushedImage pushed = registry_.Push("docker/app", "v2", {kBase, kApp}, "33",
                                            LocalRegistry::Format::kDockerSchema2);
  const RunResult pull = Crioctl({"pull", registry_.host() + "/docker/app:v2"});
  ASSERT_EQ(pull.exit_code, 0) << pull.err << crio_->Log();
  EXPECT_EQ(pull.out, "Image is up to date for " + pushed.id + "\n");
  const json status = json::parse(Crioctl({"inspecti", pushed.id}).out);
  EXPECT_EQ(status["status"]["uid"]["value"], "33");
}

TEST_F(ImageTest, MissingImagesAndBadNamesAreClearErrors) {
  const RunResult missing = Crioctl({"pull", registry_.host() + "/nothing:here"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("code = NotFound"), std::string::npos) << missing.err;
  const RunResult bad = Crioctl({"pull", "Not A Name"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("code = InvalidArgument"), std::string::npos) << bad.err;
  EXPECT_TRUE(NoLayers());
}

TEST_F(ImageTest, WhiteoutsLandInOverlayFormAndHostileLayersFailCleanly) {
  const std::string whiteouts = BuildTar({{.name = "etc/.wh.passwd", .content = ""},
                                          {.name = "bin/.wh..wh..opq", .content = ""},
                                          {.name = "bin/new", .content = "n"}},
                                         true);
  const PushedImage layered = registry_.Push("layered", "1", {kBase, whiteouts});
  ASSERT_EQ(Crioctl({"pull", registry_.host() + "/layered:1"}).exit_code, 0) << crio_->Log();
  bool saw_whiteout = false, saw_opaque = false;
  for (const auto& entry : fs::recursive_directory_iterator(crio_->dir().Join("lib/overlay"))) {
    if (entry.path().filename() == "passwd" && entry.is_character_file()) saw_whiteout = true;
    char value[4] = {};
    if (entry.path().filename() == "bin" &&
        getxattr(entry.path().c_str(), "trusted.overlay.opaque", value, sizeof(value)) == 1) {
      saw_opaque = true;
    }
  }
  EXPECT_TRUE(saw_whiteout);
  EXPECT_TRUE(saw_opaque);

  const std::string escape =
      BuildTar({{.name = "../../../../tmp/crio-escape", .content = "x"}}, true);
  registry_.Push("hostile", "1", {kBase, escape});
  const RunResult hostile = Crioctl({"pull", registry_.host() + "/hostile:1"});
  EXPECT_EQ(hostile.exit_code, 1);
  EXPECT_NE(hostile.err.find("code = InvalidArgument"), std::string::npos) << hostile.err;
  EXPECT_FALSE(fs::exists("/tmp/crio-escape"));
  const RunResult ids = Crioctl({"images", "-q"});
  EXPECT_EQ(ids.out, layered.id + "\n");  // nothing of the hostile image is visible
  EXPECT_TRUE(fs::is_empty(crio_->dir().Join("lib/overlay/crio-staging")));
}

TEST_F(ImageTest, ADecompressionBombFailsThePullEarlyAndLeavesNothing) {
  // The operator bounds what one pull may unpack.
  std::ofstream(crio_->extra_file(), std::ios::app) << "max_image_size = \"64MiB\"\n";
  ASSERT_EQ(crio_->Stop(), 0);
  ASSERT_TRUE(crio_->Start()) << crio_->Log();
  // 4 GiB of zeros in a few MiB of gzip. Its diff ID is made up: crio must give up on the
  // layer long before it could check one.
  const std::string bomb = BuildZeroBomb(int64_t{4} << 30, Compression::kGzip);
  registry_.Push("bomb", "1", {bomb}, ImageConfig{.diff_ids = {"sha256:" + std::string(64, '0')}});
  const auto start = std::chrono::steady_clock::now();
  const RunResult pull = Crioctl({"pull", registry_.host() + "/bomb:1"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_EQ(pull.exit_code, 1);
  EXPECT_NE(pull.err.find("code = ResourceExhausted"), std::string::npos) << pull.err;
  EXPECT_NE(pull.err.find("decompress to more than 67108864 bytes"), std::string::npos) << pull.err;
  // Nothing of it stays: no image, no layer, no staging dir.
  EXPECT_EQ(Crioctl({"images", "-q"}).out, "");
  EXPECT_TRUE(NoLayers());
  // crio keeps serving: an honest image still pulls.
  const PushedImage honest = registry_.Push("honest", "1", {kBase, kApp});
  const RunResult after = Crioctl({"pull", registry_.host() + "/honest:1"});
  EXPECT_EQ(after.exit_code, 0) << after.err << crio_->Log();
  EXPECT_EQ(Crioctl({"images", "-q"}).out, honest.id + "\n");
}

TEST(SecureRegistryTest, VerifiesTlsThroughCertsDAndAuthenticates) {
  if (geteuid() != 0) GTEST_SKIP() << "integration tests run as root";
  LocalRegistry registry({.tls = true, .username = "alice", .password = "s3cret"});
  ASSERT_TRUE(registry.running()) << "docker-registry with TLS did not start";
  const PushedImage pushed = registry.Push("private/app", "1", {kBase, kApp});
  TempDir dir;
  const std::string auth_file = dir.WriteFile(
      "auth.json", R"({"auths":{")" + registry.host() + R"(":{"auth":"YWxpY2U6czNjcmV0"}}})");
  CrioDaemon with_auth_file(
      "[crio.image]\nglobal_auth_file = \"" + auth_file + "\"\nsignature_policy = \"" +
      dir.WriteFile("policy.json", R"({"default":[{"type":"insecureAcceptAnything"}]})") + "\"\n");
  ::setenv("CONTAINERS_REGISTRIES_CONF",
           dir.WriteFile("registries.conf", "unqualified-search-registries = []\n").c_str(), 1);
  CrioDaemon without_auth_file("[crio.image]\nsignature_policy = \"" + dir.Join("policy.json") +
                               "\"\n");
  ASSERT_TRUE(without_auth_file.Start()) << without_auth_file.Log();
  const std::string name = registry.host() + "/private/app:1";
  auto crioctl = [](const CrioDaemon& crio, std::vector<std::string> args) {
    args.insert(args.begin(), {BinPath("crioctl"), "-r", crio.endpoint()});
    return RunCommand(args, std::chrono::seconds(60));
  };

  // HTTPS verified against the CA in certs.d; without credentials the registry says no.
  const RunResult anonymous = crioctl(without_auth_file, {"pull", name});
  EXPECT_EQ(anonymous.exit_code, 1);
  EXPECT_NE(anonymous.err.find("code = Unauthenticated"), std::string::npos) << anonymous.err;
  const RunResult wrong = crioctl(without_auth_file, {"pull", "--creds", "alice:nope", name});
  EXPECT_NE(wrong.err.find("code = Unauthenticated"), std::string::npos) << wrong.err;
  const RunResult with_creds =
      crioctl(without_auth_file, {"pull", "--creds", "alice:s3cret", name});
  ASSERT_EQ(with_creds.exit_code, 0) << with_creds.err << without_auth_file.Log();
  EXPECT_EQ(with_creds.out, "Image is up to date for " + pushed.id + "\n");

  // The global auth file supplies the credentials.
  ASSERT_TRUE(with_auth_file.Start()) << with_auth_file.Log();
  const RunResult from_file = crioctl(with_auth_file, {"pull", name});
  EXPECT_EQ(from_file.exit_code, 0) << from_file.err << with_auth_file.Log();
}

TEST_F(ImageTest, ZstdAndPlainLayersAndManifestAnnotations) {
  const std::string zstd =
      BuildTar({{.name = "zstd/file", .content = "from zstd\n"}}, Compression::kZstd);
  const std::string plain =
      BuildTar({{.name = "plain/file", .content = "from tar\n"}}, Compression::kNone);
  ImageConfig config;
  config.annotations = {{"org.opencontainers.image.source", "https://example.com/app"}};
  const PushedImage pushed = registry_.Push("formats/app", "1", {kBase, zstd, plain}, config);
  const std::string name = registry_.host() + "/formats/app:1";
  ASSERT_EQ(Crioctl({"pull", name}).exit_code, 0) << crio_->Log();
  const json status = json::parse(Crioctl({"inspecti", name}).out);
  EXPECT_EQ(status["status"]["id"], pushed.id);
  EXPECT_EQ(status["status"]["spec"]["annotations"]["org.opencontainers.image.source"],
            "https://example.com/app");
  int found = 0;
  for (const auto& layer : fs::directory_iterator(crio_->dir().Join("lib/overlay"))) {
    found +=
        fs::exists(layer.path() / "diff/zstd/file") + fs::exists(layer.path() / "diff/plain/file");
  }
  EXPECT_EQ(found, 2);
}

TEST_F(ImageTest, MultiPlatformIndexPicksThisHostsImage) {
  ImageConfig arm;
  arm.architecture = "arm64";
  const PushedImage arm_image =
      registry_.Push("multi/app", "arm64", {BuildTar({{.name = "arm"}}, true)}, arm);
  const PushedImage amd_image = registry_.Push("multi/app", "amd64", {kBase});
  const std::string index = registry_.PushIndex("multi/app", "1",
                                                {{.image = arm_image, .architecture = "arm64"},
                                                 {.image = amd_image, .architecture = "amd64"}});
  const std::string name = registry_.host() + "/multi/app:1";
  const RunResult pull = Crioctl({"pull", name});
  ASSERT_EQ(pull.exit_code, 0) << pull.err << crio_->Log();
  EXPECT_EQ(pull.out, "Image is up to date for " + amd_image.id + "\n");
  const json status = json::parse(Crioctl({"inspecti", name}).out);
  const std::string digests = status["status"]["repoDigests"].dump();
  EXPECT_NE(digests.find(index), std::string::npos) << digests;
  EXPECT_NE(digests.find(amd_image.manifest_digest), std::string::npos) << digests;
}

TEST_F(ImageTest, MirrorsServeAndBlockedRegistriesRefuse) {
  LocalRegistry mirror;
  ASSERT_TRUE(mirror.running());
  const PushedImage pushed = mirror.Push("team/app", "1", {kBase});
  registry_.Push("secret/app", "1", {kBase});
  // The primary (nothing listens on port 1) is never reached: the mirror answers first.
  Dir().WriteFile("registries.conf",
                  "unqualified-search-registries = []\n"
                  "[[registry]]\nprefix = \"primary.invalid\"\nlocation = \"127.0.0.1:1\"\n"
                  "insecure = true\n[[registry.mirror]]\nlocation = \"" +
                      mirror.host() +
                      "\"\ninsecure = true\n"
                      "[[registry]]\nlocation = \"" +
                      registry_.host() +
                      "/secret\"\nblocked = true\n"
                      "[[registry]]\nlocation = \"" +
                      registry_.host() + "\"\ninsecure = true\n");
  crio_->Signal(SIGHUP);  // registries.conf is reloaded on SIGHUP
  ASSERT_TRUE(crio_->WaitForLog("Reloaded registries.conf")) << crio_->Log();

  const RunResult mirrored = Crioctl({"pull", "primary.invalid/team/app:1"});
  EXPECT_EQ(mirrored.exit_code, 0) << mirrored.err << crio_->Log();
  EXPECT_EQ(mirrored.out, "Image is up to date for " + pushed.id + "\n");
  const json status = json::parse(Crioctl({"inspecti", "primary.invalid/team/app:1"}).out);
  EXPECT_EQ(status["status"]["repoTags"][0], "primary.invalid/team/app:1");  // the name asked for

  const RunResult blocked = Crioctl({"pull", registry_.host() + "/secret/app:1"});
  EXPECT_EQ(blocked.exit_code, 1);
  EXPECT_NE(blocked.err.find("blocked"), std::string::npos) << blocked.err;
}

TEST_F(ImageTest, ACorruptBlobFailsThePullAndLeavesNothing) {
  registry_.Push("corrupt/app", "1", {kBase, kApp});
  ASSERT_TRUE(registry_.CorruptBlob(Sha256Digest(kApp)));
  const RunResult pull = Crioctl({"pull", registry_.host() + "/corrupt/app:1"});
  EXPECT_EQ(pull.exit_code, 1);
  EXPECT_NE(pull.err.find("DataLoss"), std::string::npos) << pull.err;
  EXPECT_EQ(Crioctl({"images", "-q"}).out, "");
  // The intact base layer may stay (layers are shared and reused); no partial layer does.
  EXPECT_TRUE(fs::is_empty(crio_->dir().Join("lib/overlay/crio-staging")));
}

TEST_F(ImageTest, CrioWipeForceKeepsImagesNoCrioContainerUses) {
  // As CRI-O: a wipe takes the images of crio's containers; the kubelet's image GC, not a
  // wipe, removes the rest.
  registry_.Push("wiped/app", "1", {kBase, kApp});
  ASSERT_EQ(Crioctl({"pull", registry_.host() + "/wiped/app:1"}).exit_code, 0) << crio_->Log();
  ASSERT_EQ(crio_->Stop(), 0);
  std::vector<std::string> argv = crio_->Command({"wipe", "--force"});
  const RunResult wiped = RunCommand(argv, std::chrono::seconds(60));
  EXPECT_EQ(wiped.exit_code, 0) << wiped.err;
  EXPECT_NE(wiped.out.find("removed 0 pods and 0 images (--force)"), std::string::npos)
      << wiped.out;
  ASSERT_TRUE(crio_->Start()) << crio_->Log();
  EXPECT_NE(Crioctl({"images", "-q"}).out, "");
}

// A registries.d file of the test's own in /etc/containers/registries.d, removed with it.
class RegistriesDFile {
 public:
  RegistriesDFile(const std::string& name, const std::string& content)
      : path_("/etc/containers/registries.d/" + name) {
    fs::create_directories(fs::path(path_).parent_path());
    std::ofstream(path_) << content;
  }
  ~RegistriesDFile() { fs::remove(path_); }

 private:
  std::string path_;
};

TEST_F(ImageTest, SignedByPolicyAcceptsOnlyImagesSignedByItsKey) {
  GpgSigner signer;
  ASSERT_TRUE(signer.ok()) << "gpg could not make a key";
  GpgSigner stranger;
  ASSERT_TRUE(stranger.ok());
  const PushedImage signed_image = registry_.Push("signed/app", "1", {kBase, kApp});
  const PushedImage unsigned_image = registry_.Push("signed/plain", "1", {kBase});
  registry_.Push("signed/app", "2", {kBase, kApp});  // same manifest, a tag nobody signed
  const PushedImage forged = registry_.Push("signed/forged", "1", {kApp});
  const std::string repo = registry_.host() + "/signed/";

  // Signatures in a file:// lookaside, as `skopeo copy --sign-by` would leave them.
  const auto store = [&](const std::string& repository, const std::string& digest,
                         const std::string& signature) {
    Dir().WriteFile(
        "sigstore/signed/" + repository + "@sha256=" + digest.substr(7) + "/signature-1",
        signature);
  };
  store("app", signed_image.manifest_digest,
        signer.SignImage(repo + "app:1", signed_image.manifest_digest));
  store("forged", forged.manifest_digest,
        stranger.SignImage(repo + "forged:1", forged.manifest_digest));
  const RegistriesDFile lookaside("crio-test-" + std::to_string(::getpid()) + ".yaml",
                                  "docker:\n  " + registry_.host() +
                                      "/signed:\n    lookaside: file://" + Dir().Join("sigstore") +
                                      "\n");
  Dir().WriteFile("policy.json",
                  R"({"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker":{")" +
                      registry_.host() +
                      R"(/signed":[{"type":"signedBy","keyType":"GPGKeys",)"
                      R"("keyPath":")" +
                      Dir().WriteFile("trusted.asc", signer.PublicKey()) + R"("}]}}})");
  ASSERT_EQ(crio_->Stop(), 0);  // policy.json and registries.d are read at start-up
  ASSERT_TRUE(crio_->Start()) << crio_->Log();

  const RunResult good = Crioctl({"pull", repo + "app:1"});
  EXPECT_EQ(good.exit_code, 0) << good.err << crio_->Log();
  EXPECT_EQ(good.out, "Image is up to date for " + signed_image.id + "\n");

  const RunResult plain = Crioctl({"pull", repo + "plain:1"});
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_NE(plain.err.find("PermissionDenied"), std::string::npos) << plain.err;
  EXPECT_NE(plain.err.find("A signature was required, but no signature exists"),
            std::string::npos)
      << plain.err;
  const RunResult other_tag = Crioctl({"pull", repo + "app:2"});
  EXPECT_NE(other_tag.err.find("Signature for identity " + repo + "app:1 is not accepted"),
            std::string::npos)
      << other_tag.err;
  const RunResult stranger_signed = Crioctl({"pull", repo + "forged:1"});
  EXPECT_NE(stranger_signed.err.find("PermissionDenied"), std::string::npos) << stranger_signed.err;
  // Refused images are not stored: only the signed one is there.
  EXPECT_EQ(Crioctl({"images", "-q"}).out, signed_image.id + "\n");
  EXPECT_NE(unsigned_image.id, signed_image.id);
}

TEST_F(ImageTest, SigstoreSignedPolicyAcceptsOnlyImagesItsKeyAndLogSigned) {
  SigstoreSigner signer;
  SigstoreSigner stranger;
  SigstoreSigner log(SigstoreSigner::KeyType::kEd25519);
  ASSERT_TRUE(signer.ok() && stranger.ok() && log.ok());
  const std::string repo = registry_.host() + "/cosign/";
  const PushedImage app = registry_.Push("cosign/app", "1", {kBase, kApp});
  const PushedImage plain = registry_.Push("cosign/plain", "1", {kBase});
  const PushedImage forged = registry_.Push("cosign/forged", "1", {kApp});
  const PushedImage unlogged = registry_.Push("cosign/unlogged", "1", {kBase, kApp, kBase});
  // Signatures attached in the registry as cosign attaches them; the log's bundle for each,
  // but for the last one.
  const auto attach = [&](const std::string& name, const PushedImage& image,
                          const SigstoreSigner& by, bool logged) {
    const std::string payload = SigstoreSigner::Payload(repo + name + ":1", image.manifest_digest);
    const std::string signature = by.SignBase64(payload);
    return registry_.PushSigstoreSignatures(
        "cosign/" + name, image.manifest_digest,
        {{.payload = payload,
          .signature = signature,
          .bundle = logged ? log.RekorBundle(by, payload, signature) : ""}});
  };
  ASSERT_TRUE(attach("app", app, signer, true));
  ASSERT_TRUE(attach("forged", forged, stranger, true));
  ASSERT_TRUE(attach("unlogged", unlogged, signer, false));
  const RegistriesDFile attachments(
      "crio-test-" + std::to_string(::getpid()) + ".yaml",
      "docker:\n  " + registry_.host() + "/cosign:\n    use-sigstore-attachments: true\n");
  Dir().WriteFile(
      "policy.json",
      R"({"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker":{")" +
          registry_.host() + R"(/cosign":[{"type":"sigstoreSigned","keyPath":")" +
          Dir().WriteFile("cosign.pub", signer.PublicKeyPem()) + R"(","rekorPublicKeyPath":")" +
          Dir().WriteFile("rekor.pub", log.PublicKeyPem()) + R"("}]}}})");
  ASSERT_EQ(crio_->Stop(), 0);  // policy.json and registries.d are read at start-up
  ASSERT_TRUE(crio_->Start()) << crio_->Log();

  const RunResult good = Crioctl({"pull", repo + "app:1"});
  EXPECT_EQ(good.exit_code, 0) << good.err << crio_->Log();
  const auto refusal = [&](const std::string& name) {
    const RunResult pulled = Crioctl({"pull", repo + name + ":1"});
    EXPECT_EQ(pulled.exit_code, 1) << name;
    EXPECT_NE(pulled.err.find("SignatureValidationFailed: Source image rejected: "),
              std::string::npos)
        << pulled.err;
    return pulled.err;
  };
  EXPECT_NE(refusal("plain").find("A signature was required, but no signature exists"),
            std::string::npos);
  EXPECT_NE(refusal("forged").find("cryptographic signature verification failed"),
            std::string::npos);
  EXPECT_NE(refusal("unlogged").find("missing dev.sigstore.cosign/bundle annotation"),
            std::string::npos);
  EXPECT_EQ(Crioctl({"images", "-q"}).out, app.id + "\n");
}

// An operator's `crio check` session: a pulled image checks sound; with crio stopped, a file of
// one layer is deleted and another layer's dir removed; the check names both layers and the
// image and exits 1; --repair (refused while crio runs) removes them, and the image pulls again.
TEST(StorageCheckTest, FindsDamagedLayersAndRepairLetsTheImagePullAgain) {
  if (geteuid() != 0) GTEST_SKIP() << "integration tests run as root";
  LocalRegistry registry;
  ASSERT_TRUE(registry.running()) << "docker-registry did not start";
  TempDir dir;
  const std::string registries = dir.WriteFile(
      "registries.conf", "[[registry]]\nlocation = \"" + registry.host() + "\"\ninsecure = true\n");
  ::setenv("CONTAINERS_REGISTRIES_CONF", registries.c_str(), 1);
  CrioDaemon crio(
      "[crio.image]\nsignature_policy = \"" +
      dir.WriteFile("policy.json", R"({"default":[{"type":"insecureAcceptAnything"}]})") + "\"\n");
  ASSERT_TRUE(crio.Start()) << crio.Log();
  const auto crioctl = [&crio](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {BinPath("crioctl"), "-r", crio.endpoint(), "-t", "30s"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, std::chrono::seconds(60));
  };
  const auto check = [&crio](const std::vector<std::string>& flags) {
    std::vector<std::string> args = {"check"};
    args.insert(args.end(), flags.begin(), flags.end());
    return RunCommand(crio.Command(args), std::chrono::seconds(60));
  };
  const PushedImage pushed = registry.Push("tools/busybox", "1.36", {kBase, kApp});
  const std::string name = registry.host() + "/tools/busybox:1.36";
  ASSERT_EQ(crioctl({"pull", name}).exit_code, 0) << crio.Log();
  const RunResult sound = check({});
  EXPECT_EQ(sound.exit_code, 0) << sound.err;
  EXPECT_NE(sound.err.find("Checking storage directory " + crio.dir().Join("lib") + " for errors"),
            std::string::npos)
      << sound.err;
  const RunResult refused = check({"--repair"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("crio is running"), std::string::npos) << refused.err;
  ASSERT_EQ(crio.Stop(), 0);

  std::string app_layer, base_layer;
  for (const auto& entry : fs::directory_iterator(crio.dir().Join("lib/overlay"))) {
    const std::string id = entry.path().filename().string();
    if (id == "l" || id == "crio-staging") continue;
    (fs::exists(entry.path() / "diff/app/run") ? app_layer : base_layer) = id;
  }
  ASSERT_FALSE(app_layer.empty() || base_layer.empty());
  fs::remove(crio.dir().Join("lib/overlay/" + app_layer + "/diff/app/run"));
  fs::remove_all(crio.dir().Join("lib/overlay/" + base_layer));

  for (const char* quick : {"", "--quick"}) {
    const RunResult damaged =
        check(quick[0] != '\0' ? std::vector<std::string>{quick} : std::vector<std::string>{});
    EXPECT_EQ(damaged.exit_code, 1) << quick;
    for (const std::string& expected :
         {"level=warning msg=\"layer: " + app_layer + ": layer " + app_layer,
          "level=warning msg=\"layer: " + base_layer + ": layer " + base_layer,
          "level=warning msg=\"image: " + pushed.id + ": ",
          std::string("Errors found while checking storage directory"),
          std::string("2 layer errors, 0 read-only layer errors, 1 image errors, 0 read-only "
                      "image errors, 0 container errors")}) {
      EXPECT_NE(damaged.err.find(expected), std::string::npos) << expected << "\n" << damaged.err;
    }
  }
  const RunResult repaired = check({"--repair"});
  EXPECT_EQ(repaired.exit_code, 0) << repaired.err;
  EXPECT_NE(repaired.err.find("Attempting to repair storage directory"), std::string::npos);
  EXPECT_FALSE(fs::exists(crio.dir().Join("lib/overlay/" + app_layer)));
  const RunResult after = check({});
  EXPECT_EQ(after.exit_code, 0) << after.err;

  ASSERT_TRUE(crio.Start()) << crio.Log();
  EXPECT_EQ(crioctl({"images", "-q"}).out, "") << "the damaged image is gone";
  const RunResult pull = crioctl({"pull", name});
  ASSERT_EQ(pull.exit_code, 0) << pull.err << crio.Log();
  EXPECT_TRUE(fs::exists(crio.dir().Join("lib/overlay/" + app_layer + "/diff/app/run")));
  ASSERT_EQ(crio.Stop(), 0);
  EXPECT_EQ(check({}).exit_code, 0);
}

}  // namespace
}  // namespace crio::testing
