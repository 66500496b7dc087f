#include "image/puller.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "common/sha256.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "testing/fake_http_transport.h"
#include "testing/tar_builder.h"
#include "testing/temp_dir.h"

namespace crio::image {
namespace {

namespace fs = std::filesystem;
using testing::FakeTransport;
using testing::TarEntry;

HttpResponse Ok(std::string body) {
  return {.status = 200, .headers = {}, .body = std::move(body)};
}

// An image in a fake registry: its layers, config and manifest served by FakeTransport.
struct FakeImage {
  std::vector<std::string> layers;  // gzip tars
  std::string config;
  std::string manifest;
  std::string id;

  FakeImage(const std::vector<std::vector<TarEntry>>& contents, const std::string& user) {
    std::string diff_ids, layer_descriptors;
    for (const auto& entries : contents) {
      layers.push_back(testing::BuildTar(entries, /*gzip=*/true));
      diff_ids += fmt::format("{}\"{}\"", diff_ids.empty() ? "" : ",",
                              Sha256Digest(testing::BuildTar(entries, false)));
      layer_descriptors += fmt::format(
          R"({}{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{}","size":{}}})",
          layer_descriptors.empty() ? "" : ",", Sha256Digest(layers.back()), layers.back().size());
    }
    config = fmt::format(
        R"({{"architecture":"{}","os":"linux","config":{{"User":"{}","Cmd":["sh"]}},"rootfs":{{"type":"layers","diff_ids":[{}]}}}})",
        HostPlatform().architecture, user, diff_ids);
    id = Sha256Digest(config).substr(7);
    manifest = fmt::format(
        R"({{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":{}}},"layers":[{}]}})",
        Sha256Digest(config), config.size(), layer_descriptors);
  }

  void Serve(FakeTransport& http, const std::string& base, const std::string& tag) const {
    http.Script(fmt::format("{}/manifests/{}", base, tag), Ok(manifest));
    http.Script(fmt::format("{}/manifests/{}", base, Sha256Digest(manifest)), Ok(manifest));
    http.Script(fmt::format("{}/blobs/{}", base, Sha256Digest(config)), Ok(config));
    for (const std::string& layer : layers) {
      http.Script(fmt::format("{}/blobs/{}", base, Sha256Digest(layer)), Ok(layer));
    }
  }
};

const std::vector<std::vector<TarEntry>> kBusybox = {
    {{.name = "bin/busybox", .content = "#!busybox", .mode = 0755},
     {.name = "bin/sh", .type = testing::kTarSymlink, .link = "busybox"}},
    {{.name = "etc/passwd", .content = "root:x:0:0:root:/root:/bin/sh\n"}}};

class PullerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::ImageStore::Open(dir_.Join("root"));
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
  }

  Puller MakePuller(PullObserver observer = {}) {
    live_registries_.Replace(registries_);
    return Puller(client_, *store_, live_registries_, policy_, auth_file_,
                  {.platform = HostPlatform(),
                   .short_name_mode = short_name_mode_,
                   .observer = std::move(observer)});
  }

  size_t BlobRequests() const {
    size_t count = 0;
    for (const auto& request : http_.requests)
      count += request.url.find("/blobs/") != std::string::npos;
    return count;
  }

  testing::TempDir dir_;
  FakeTransport http_;
  RegistryClient client_{http_, dir_.Join("certs.d")};
  std::unique_ptr<storage::ImageStore> store_;
  Registries registries_;
  LiveRegistries live_registries_{Registries()};
  Policy policy_ = Policy::AcceptAnything();
  AuthFile auth_file_;
  std::string short_name_mode_ = "enforcing";
};

TEST_F(PullerTest, PullsUnpacksAndRecordsTheImage) {
  const FakeImage image(kBusybox, "1000");
  image.Serve(http_, "https://reg.example/v2/tools/busybox", "1.36");
  auto id = MakePuller().Pull("reg.example/tools/busybox:1.36", {});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(*id, image.id);
  auto stored = store_->Find("reg.example/tools/busybox:1.36");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->repo_digests, (std::vector<std::string>{"reg.example/tools/busybox@" +
                                                               Sha256Digest(image.manifest)}));
  EXPECT_EQ((*stored)->user, "1000");
  ASSERT_EQ((*stored)->layers.size(), 2u);
  EXPECT_TRUE(fs::is_symlink(store_->LayerDir((*stored)->layers[0]) + "/bin/sh"));
  EXPECT_TRUE(fs::exists(store_->LayerDir((*stored)->layers[1]) + "/etc/passwd"));
  EXPECT_EQ(*store_->ReadConfig(image.id), image.config);

  // Pulling again fetches the manifest and config, not the layers.
  const size_t blobs = BlobRequests();
  ASSERT_TRUE(MakePuller().Pull("reg.example/tools/busybox:1.36", {}).ok());
  EXPECT_EQ(BlobRequests(), blobs + 1);
}

TEST_F(PullerTest, AnIndexResolvesToThisPlatform) {
  const FakeImage image(kBusybox, "0");
  image.Serve(http_, "https://reg.example/v2/multi", "unused");
  const std::string index = fmt::format(
      R"({{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
        {{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":1,"platform":{{"os":"linux","architecture":"s390x"}}}},
        {{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":{},"platform":{{"os":"linux","architecture":"{}"}}}}]}})",
      Sha256Digest("other"), Sha256Digest(image.manifest), image.manifest.size(),
      HostPlatform().architecture);
  http_.Script("https://reg.example/v2/multi/manifests/latest", Ok(index));
  auto id = MakePuller().Pull("reg.example/multi", {});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto stored = store_->Find("reg.example/multi:latest");
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ((*stored)->repo_digests.size(), 2u);  // the index's and the instance's
}

TEST_F(PullerTest, CorruptBlobsLeaveNothingBehind) {
  FakeImage image(kBusybox, "0");
  image.Serve(http_, "https://reg.example/v2/bad", "1");
  http_.Replace(fmt::format("https://reg.example/v2/bad/blobs/{}", Sha256Digest(image.layers[1])),
                Ok(std::string(image.layers[1].size(), 'x')));
  auto id = MakePuller().Pull("reg.example/bad:1", {});
  EXPECT_EQ(id.status().code(), absl::StatusCode::kDataLoss) << id.status().ToString();
  EXPECT_TRUE((*store_->List())->empty());
  for (const auto& entry : fs::directory_iterator(dir_.Join("root/overlay"))) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
  }
}

TEST_F(PullerTest, ShortNamesTrySearchRegistriesInOrder) {
  ASSERT_TRUE(registries_
                  .Apply("unqualified-search-registries = [\"first.example\", "
                         "\"second.example\"]\n",
                         "test")
                  .ok());
  const FakeImage image(kBusybox, "0");
  image.Serve(http_, "https://second.example/v2/busybox", "latest");
  // short_name_mode = "enforcing" (the default): two registries could serve it, crio can't
  // ask which, so it refuses before contacting any.
  const auto ambiguous = MakePuller().Pull("busybox", {});
  EXPECT_EQ(ambiguous.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(ambiguous.status().message().find("ambiguous"), std::string::npos);
  EXPECT_TRUE(http_.requests.empty());

  short_name_mode_ = "disabled";
  auto id = MakePuller().Pull("busybox", {});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_TRUE(store_->Find("second.example/busybox:latest")->has_value());
  EXPECT_EQ(http_.requests.front().url, "https://first.example/v2/busybox/manifests/latest");
}

TEST_F(PullerTest, EnforcingAllowsOneSearchRegistryAndAliases) {
  ASSERT_TRUE(registries_
                  .Apply("unqualified-search-registries = [\"first.example\", \"second.example\"]\n"
                         "[aliases]\n\"busybox\" = \"second.example/busybox\"\n",
                         "test")
                  .ok());
  const FakeImage image(kBusybox, "0");
  image.Serve(http_, "https://second.example/v2/busybox", "latest");
  EXPECT_TRUE(MakePuller().Pull("busybox", {}).ok());
}

TEST_F(PullerTest, PolicyAndBlockedRegistriesStopThePull) {
  const FakeImage image(kBusybox, "0");
  image.Serve(http_, "https://reg.example/v2/app", "1");
  auto rejecting = Policy::Parse(R"({"default":[{"type":"reject"}]})", "policy.json");
  policy_ = *rejecting;
  EXPECT_EQ(MakePuller().Pull("reg.example/app:1", {}).status().code(),
            absl::StatusCode::kPermissionDenied);
  auto signed_only = Policy::Parse(
      R"({"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k.gpg"}]})", "policy.json");
  policy_ = *signed_only;
  EXPECT_EQ(MakePuller().Pull("reg.example/app:1", {}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  policy_ = Policy::AcceptAnything();
  ASSERT_TRUE(
      registries_.Apply("[[registry]]\nlocation = \"reg.example\"\nblocked = true\n", "t").ok());
  EXPECT_EQ(MakePuller().Pull("reg.example/app:1", {}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(http_.requests.empty());
  EXPECT_TRUE((*store_->List())->empty());
}

TEST_F(PullerTest, ANamespacesOwnPolicyAppliesToItsPods) {
  const FakeImage image(kBusybox, "0");
  image.Serve(http_, "https://reg.example/v2/app", "1");
  dir_.WriteFile("policies/locked.json", R"({"default":[{"type":"reject"}]})");
  dir_.WriteFile("policies/broken.json", "{not json");
  live_registries_.Replace(registries_);
  Puller puller(client_, *store_, live_registries_, policy_, auth_file_,
                {.platform = HostPlatform(), .namespace_policies = dir_.Join("policies")});
  EXPECT_EQ(puller.Pull("reg.example/app:1", {}, "locked").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_FALSE(puller.Pull("reg.example/app:1", {}, "broken").ok());
  EXPECT_EQ(puller.Pull("reg.example/app:1", {}, "../locked").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE((*store_->List())->empty());
  // Namespaces without a file of their own, and pulls for no pod, use the default policy.
  EXPECT_TRUE(puller.Pull("reg.example/app:1", {}, "open").ok());
  EXPECT_TRUE(puller.Pull("reg.example/app:1", {}).ok());
}

TEST_F(PullerTest, DiffIdMismatchIsDataLoss) {
  FakeImage image(kBusybox, "0");
  // Swap the config's diff IDs so the first layer does not unpack to what it claims.
  const std::string a = Sha256Digest(testing::BuildTar(kBusybox[0], false));
  const std::string b = Sha256Digest(testing::BuildTar(kBusybox[1], false));
  std::string config = image.config;
  config.replace(config.find(a), a.size(), b);
  config.replace(config.rfind(b), b.size(), a);
  const std::string manifest = image.manifest;
  std::string swapped = manifest;
  swapped.replace(swapped.find(Sha256Digest(image.config)), 71, Sha256Digest(config));
  image.config = config;
  image.manifest = swapped;
  image.Serve(http_, "https://reg.example/v2/liar", "1");
  EXPECT_EQ(MakePuller().Pull("reg.example/liar:1", {}).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_TRUE((*store_->List())->empty());
}

TEST_F(PullerTest, TellsItsObserverOfFetchedAndReusedBlobs) {
  const FakeImage first(kBusybox, "0");
  const FakeImage second({kBusybox[0], {{.name = "app", .content = "app"}}}, "0");
  first.Serve(http_, "https://reg.example/v2/a", "1");
  second.Serve(http_, "https://reg.example/v2/b", "1");
  std::mutex mu;
  std::map<std::string, uint64_t> fetched;  // digest → bytes
  std::map<std::string, int> layers_fetched;
  std::vector<std::string> reused;
  std::set<std::string> images;
  Puller puller = MakePuller({.blob_fetched =
                                  [&](const PulledImage& image, const Descriptor& blob,
                                      uint64_t transferred, bool is_layer) {
                                    std::lock_guard lock(mu);
                                    images.insert(fmt::format("{} {}", image.name, image.size));
                                    fetched[blob.digest] += transferred;
                                    layers_fetched[blob.digest] += is_layer;
                                  },
                              .layer_reused =
                                  [&](const PulledImage& image, const Descriptor& layer) {
                                    std::lock_guard lock(mu);
                                    images.insert(fmt::format("{} {}", image.name, image.size));
                                    reused.push_back(layer.digest);
                                  }});
  ASSERT_TRUE(puller.Pull("reg.example/a:1", {}).ok());
  EXPECT_EQ(fetched[Sha256Digest(first.config)], first.config.size());
  EXPECT_EQ(layers_fetched[Sha256Digest(first.config)], 0);
  for (const std::string& layer : first.layers) {
    EXPECT_EQ(fetched[Sha256Digest(layer)], layer.size());
    EXPECT_EQ(layers_fetched[Sha256Digest(layer)], 1);
  }
  EXPECT_TRUE(reused.empty());

  // The second image shares the base layer: reused, not fetched again.
  ASSERT_TRUE(puller.Pull("reg.example/b:1", {}).ok());
  EXPECT_EQ(reused, std::vector<std::string>{Sha256Digest(first.layers[0])});
  EXPECT_EQ(layers_fetched[Sha256Digest(first.layers[0])], 1);
  EXPECT_EQ(fetched[Sha256Digest(second.layers[1])], second.layers[1].size());
  // Each event names the image being pulled and its compressed size.
  const auto named = [](const std::string& name, const FakeImage& image) {
    size_t size = image.config.size();
    for (const std::string& layer : image.layers) size += layer.size();
    return fmt::format("{} {}", name, size);
  };
  EXPECT_EQ(images, (std::set<std::string>{named("reg.example/a:1", first),
                                           named("reg.example/b:1", second)}));
}

TEST_F(PullerTest, ConcurrentPullsShareTransfers) {
  const FakeImage first(kBusybox, "0");
  // A second image with the same base layer and its own top layer.
  const FakeImage second({kBusybox[0], {{.name = "app", .content = "app"}}}, "0");
  first.Serve(http_, "https://reg.example/v2/a", "1");
  second.Serve(http_, "https://reg.example/v2/b", "1");
  http_.blob_delay = std::chrono::milliseconds(50);
  Puller puller = MakePuller();
  std::vector<std::thread> pulls;
  std::vector<absl::StatusOr<std::string>> results(4);
  for (int i = 0; i < 4; ++i) {
    pulls.emplace_back(
        [&, i] { results[i] = puller.Pull(i < 3 ? "reg.example/a:1" : "reg.example/b:1", {}); });
  }
  for (std::thread& pull : pulls) pull.join();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].status().ToString();
    EXPECT_EQ(*results[i], i < 3 ? first.id : second.id);
  }
  // Image a: one pull for three callers. The shared base layer: one transfer for both images.
  EXPECT_EQ(http_.CountRequests("/a/manifests/"), 1u);
  EXPECT_EQ(http_.CountRequests(Sha256Digest(first.layers[0])), 1u);
  EXPECT_EQ((*store_->List())->size(), 2u);
}

TEST_F(PullerTest, LayersDownloadInParallelUpToTheLimit) {
  std::vector<std::vector<TarEntry>> contents;
  for (int i = 0; i < 4; ++i) contents.push_back({{.name = fmt::format("l{}", i), .content = "x"}});
  const FakeImage image(contents, "0");
  image.Serve(http_, "https://reg.example/v2/wide", "1");
  http_.blob_delay = std::chrono::milliseconds(100);
  live_registries_.Replace(registries_);
  Puller serial(client_, *store_, live_registries_, policy_, auth_file_,
                {.platform = HostPlatform(), .max_parallel = 1});
  ASSERT_TRUE(serial.Pull("reg.example/wide:1", {}).ok());
  EXPECT_EQ(http_.max_blobs_in_flight.load(), 1);

  ASSERT_TRUE(store_->RemoveImage(image.id).ok());
  http_.max_blobs_in_flight = 0;
  Puller parallel(client_, *store_, live_registries_, policy_, auth_file_,
                  {.platform = HostPlatform(), .max_parallel = 3});
  ASSERT_TRUE(parallel.Pull("reg.example/wide:1", {}).ok());
  EXPECT_GE(http_.max_blobs_in_flight.load(), 2);
  EXPECT_LE(http_.max_blobs_in_flight.load(), 3);
  EXPECT_EQ(store_->Find(image.id)->value().layers.size(), 4u);
}

TEST_F(PullerTest, MissingImageIsNotFound) {
  EXPECT_EQ(MakePuller().Pull("reg.example/none:1", {}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(MakePuller().Pull("Bad Name", {}).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace crio::image
