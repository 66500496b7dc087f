#include "storage/store_check.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "common/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/container_layers.h"
#include "storage/image_store.h"
#include "storage/layer_unpack.h"
#include "storage/store_repair.h"
#include "storage/tar_split.h"
#include "testing/detach_mounts.h"
#include "testing/tar_builder.h"
#include "testing/temp_dir.h"

namespace crio::storage {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

std::string Id(std::string_view seed) { return Sha256Digest(seed).substr(7); }

// The IDs a report's problems are filed under.
std::vector<std::string> Ids(const Problems& problems) {
  std::vector<std::string> ids;
  for (const auto& [id, lines] : problems) ids.push_back(id);
  return ids;
}

// Every problem line of `id`, joined, for matching.
std::string Lines(const Problems& problems, const std::string& id) {
  std::string joined;
  if (auto it = problems.find(id); it != problems.end()) {
    for (const std::string& line : it->second) joined += line + "\n";
  }
  return joined;
}

// A store of two images on a shared base layer, and a container on the first:
//   base (etc/, etc/hosts, bin/sh -> busybox, bin/busybox, bin/ls = hard link, a whiteout)
//   app on base: image "app", container "c1"
//   tool on base: image "tool"
class StoreCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = ImageStore::Open(root(), dir_.Join("run"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    containers_ = std::make_unique<ContainerLayers>(store_->files());
    base_ = AddLayer(*store_, "base", "",
                     {{.name = "./etc/", .type = testing::kTarDir, .mode = 0755},
                      {.name = "./etc/hosts", .content = "127.0.0.1 localhost\n"},
                      {.name = "./bin/", .type = testing::kTarDir, .mode = 0755},
                      {.name = "./bin/busybox", .content = std::string(5000, 'b'), .mode = 0755},
                      {.name = "./bin/sh", .type = testing::kTarSymlink, .link = "busybox"},
                      {.name = "./bin/ls", .link = "./bin/busybox", .hardlink = true},
                      {.name = "./var/.wh.cache", .content = ""}});
    app_ = AddLayer(*store_, "app", base_, {{.name = "./app/run", .content = "#!/bin/sh\n"}});
    tool_ = AddLayer(*store_, "tool", base_, {{.name = "./tool", .content = "tool\n"}});
    PutImage(*store_, "app", {base_, app_});
    PutImage(*store_, "tool", {base_, tool_});
    auto mounted = containers_->Mount(
        {.id = "c1", .name = "c1", .image_id = Id("app"), .layers = {base_, app_}});
    ASSERT_TRUE(mounted.ok()) << mounted.status();
  }
  void TearDown() override { testing::DetachMountsUnder(dir_.path()); }

  std::string root() const { return dir_.Join("root"); }
  std::string Diff(const std::string& layer) const {
    return root() + "/overlay/" + layer + "/diff";
  }

  // Unpacks a tar of `entries` as a pull does (recording its tar-split) and commits it.
  static std::string AddLayer(ImageStore& store, const std::string& seed, const std::string& parent,
                              const std::vector<testing::TarEntry>& entries) {
    const std::string tar = testing::BuildTar(entries, false);
    LayerRecord layer{.id = Id(seed), .parent = parent, .compression = BlobCompression::kNone};
    auto staging = store.NewLayerStaging(layer.id);
    EXPECT_TRUE(staging.ok()) << staging.status();
    TarSplitRecorder recorder;
    size_t offset = 0;
    const LayerReader read = [&](char* buffer, size_t size) -> absl::StatusOr<size_t> {
      const size_t n = std::min(size, tar.size() - offset);
      std::copy_n(tar.data() + offset, n, buffer);
      offset += n;
      return n;
    };
    auto stats =
        UnpackLayerFrom(read, Compression::kNone, *staging, {.min_free_bytes = 0}, &recorder);
    EXPECT_TRUE(stats.ok()) << stats.status();
    layer.diff_digest = stats->diff_id;
    layer.diff_size = stats->tar_bytes;
    layer.tar_split = recorder.Finish().value_or("");
    const absl::Status committed = store.CommitLayer(layer, *staging);
    EXPECT_TRUE(committed.ok()) << committed;
    return layer.id;
  }

  static void PutImage(ImageStore& store, const std::string& seed,
                       std::vector<std::string> layers) {
    const ImageRecord image{.id = Id(seed),
                            .repo_tags = {"quay.io/" + seed + ":1"},
                            .layers = std::move(layers),
                            .manifest_digest = Sha256Digest("m" + seed)};
    const absl::Status put =
        store.PutImage(image, R"({"config":{}})", {{image.manifest_digest, R"({"m":1})"}});
    EXPECT_TRUE(put.ok()) << put;
  }

  // Changes `file`'s records under its lock, as another tool would.
  static void Edit(RecordFile& file, const std::function<void(nlohmann::json&)>& edit) {
    auto writing = file.Write();
    ASSERT_TRUE(writing.ok()) << writing.status();
    edit(writing->records());
    ASSERT_TRUE(writing->Save().ok());
  }
  static void RecordIncomplete(RecordFile& file, const std::string& id) {
    Edit(file, [&](nlohmann::json& records) {
      records.push_back({{"id", id}, {"created", Rfc3339Now()}});
      MarkIncomplete(records.back());
    });
  }

  CheckReport Check(CheckOptions options = CheckEverything()) {
    auto report = CheckStore(store_->files(), options);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *std::move(report) : CheckReport{};
  }

  std::vector<absl::Status> Repair(const CheckReport& report, bool force = false) {
    return RepairStore(report, {.remove_containers = force}, *store_, *containers_);
  }

  bool HasImage(const std::string& seed) {
    auto found = store_->Find(Id(seed));
    return found.ok() && found->has_value();
  }
  bool HasLayer(const std::string& id) { return store_->HasLayer(id).value_or(false); }

  testing::TempDir dir_;
  std::unique_ptr<ImageStore> store_;
  std::unique_ptr<ContainerLayers> containers_;
  std::string base_, app_, tool_;
};

TEST_F(StoreCheckTest, ASoundStoreHasNoErrors) {
  const CheckReport report = Check();
  EXPECT_FALSE(report.HasErrors()) << Lines(report.layers, base_) << Lines(report.layers, app_);
  EXPECT_THAT(report.notes, IsEmpty());
}

TEST_F(StoreCheckTest, AFileDeletedFromALayerDamagesItsImagesAndContainers) {
  fs::remove(Diff(base_) + "/etc/hosts");
  for (const CheckOptions& options : {CheckEverything(), CheckMost()}) {
    const CheckReport report = Check(options);
    EXPECT_THAT(Ids(report.layers), ElementsAre(base_));
    EXPECT_THAT(Lines(report.layers, base_), HasSubstr("layer " + base_ + ": "));
    EXPECT_THAT(Lines(report.layers, base_), HasSubstr("etc/hosts"));
    EXPECT_THAT(Ids(report.images), UnorderedElementsAre(Id("app"), Id("tool")));
    EXPECT_THAT(Ids(report.containers), ElementsAre("c1"));
  }
}

TEST_F(StoreCheckTest, AChangedFileFailsItsChecksum) {
  std::ofstream(Diff(app_) + "/app/run", std::ios::trunc) << "#!/bin/XX\n";
  const CheckReport report = Check(CheckMost());
  EXPECT_THAT(Ids(report.layers), ElementsAre(app_));
  EXPECT_THAT(Lines(report.layers, app_), HasSubstr("app/run does not match its tar-split record"));
  EXPECT_THAT(Ids(report.images), ElementsAre(Id("app")));
}

TEST_F(StoreCheckTest, OnlyTheFullCheckSeesFilesAddedOrChangedOutsideTheTar) {
  std::ofstream(Diff(tool_) + "/planted") << "x";
  ASSERT_EQ(::chmod((Diff(base_) + "/etc/hosts").c_str(), 0600), 0);
  EXPECT_FALSE(Check(CheckMost()).HasErrors()) << "the rebuilt tars are still right";
  const CheckReport report = Check();
  EXPECT_THAT(Ids(report.layers), UnorderedElementsAre(base_, tool_));
  EXPECT_THAT(Lines(report.layers, tool_), HasSubstr("+/planted, layer content modified"));
  EXPECT_THAT(Lines(report.layers, base_),
              HasSubstr("/etc/hosts(mode:0644￫0600), layer content modified"));
}

TEST_F(StoreCheckTest, ALayerWithoutItsDirIsDamaged) {
  fs::remove_all(root() + "/overlay/" + tool_);
  const CheckReport report = Check(CheckMost());
  EXPECT_THAT(Ids(report.layers), ElementsAre(tool_));
  EXPECT_THAT(Lines(report.layers, tool_), HasSubstr("No such file or directory"));
  EXPECT_THAT(Ids(report.images), ElementsAre(Id("tool")));
  EXPECT_THAT(Ids(report.containers), IsEmpty()) << "c1 runs from app";
}

TEST_F(StoreCheckTest, RecordsThatNameWhatIsNotThereAreDamage) {
  Edit(*store_->files().layers,
       [&](nlohmann::json& records) { (*FindRecord(records, tool_))["parent"] = Id("nowhere"); });
  fs::remove(root() + "/overlay-images/" + Id("app") + "/manifest");
  const CheckReport report = Check(CheckMost());
  EXPECT_THAT(Lines(report.layers, tool_),
              HasSubstr("layer " + Id("nowhere") + ": layer is missing"));
  EXPECT_THAT(
      Lines(report.images, Id("app")),
      HasSubstr("image " + Id("app") + ": data item \"manifest\": image data item is missing"));
  EXPECT_THAT(Lines(report.containers, "c1"), HasSubstr("image data item is missing"));
}

TEST_F(StoreCheckTest, AContainerWhoseImageIsGoneIsDamaged) {
  Edit(*store_->files().images, [](nlohmann::json& records) { EraseRecord(records, Id("app")); });
  const CheckReport report = Check(CheckMost());
  EXPECT_THAT(Lines(report.containers, "c1"), HasSubstr("image " + Id("app") + ": image missing"));
  EXPECT_THAT(Ids(report.layers), IsEmpty()) << "the container still uses app's layers";
}

TEST_F(StoreCheckTest, DirsWithoutARecordAreUnaccountedButTheDriversOwnAreNot) {
  fs::create_directories(root() + "/overlay/" + Id("stray") + "/diff");
  fs::create_directories(root() + "/overlay/crio-staging/" + Id("pulling"));
  const CheckReport report = Check(CheckMost());
  EXPECT_THAT(Ids(report.layers), ElementsAre(Id("stray")));
  EXPECT_THAT(Lines(report.layers, Id("stray")),
              HasSubstr("layer in lower level storage driver not accounted for"));
  EXPECT_EQ(report.unaccounted.at(Id("stray")), root());
}

TEST_F(StoreCheckTest, UnreferencedAndIncompleteLayersAreDamageOnlyPastTheAge) {
  const std::string loose = AddLayer(*store_, "loose", "", {{.name = "f", .content = "f"}});
  RecordIncomplete(*store_->files().layers, Id("half"));
  EXPECT_FALSE(Check(CheckMost()).HasErrors()) << "both may belong to a pull under way";
  CheckOptions later = CheckMost();
  later.now += std::chrono::hours(25);
  CheckReport report = Check(later);
  EXPECT_THAT(Ids(report.layers), UnorderedElementsAre(loose, Id("half")));
  EXPECT_THAT(Lines(report.layers, loose), HasSubstr("layer not referenced by any images"));
  EXPECT_THAT(Lines(report.layers, Id("half")), HasSubstr("layer is incomplete"));
  later.max_unreferenced_age = std::chrono::hours(48);
  EXPECT_FALSE(Check(later).HasErrors()) << "--age 48h";

  EXPECT_THAT(Repair(report), IsEmpty());
  EXPECT_FALSE(HasLayer(loose));
  EXPECT_FALSE(fs::exists(root() + "/overlay/" + loose));
  EXPECT_FALSE(Check(CheckMost()).HasErrors());
}

TEST_F(StoreCheckTest, ANoticeNotDamageForALayerWithoutATarSplit) {
  fs::remove(store_->files().TarSplitPath(tool_));
  const CheckReport report = Check();
  EXPECT_FALSE(report.HasErrors());
  EXPECT_THAT(report.notes, ElementsAre(HasSubstr("layer " + tool_ + ": no tar-split")));
}

TEST_F(StoreCheckTest, RepairRemovesTheDamagedLayerAndTheImagesOnItOnly) {
  fs::remove(Diff(tool_) + "/tool");
  EXPECT_THAT(Repair(Check()), IsEmpty());
  EXPECT_FALSE(HasImage("tool"));
  EXPECT_FALSE(HasLayer(tool_));
  EXPECT_FALSE(fs::exists(root() + "/overlay/" + tool_));
  EXPECT_TRUE(HasImage("app"));
  EXPECT_TRUE(HasLayer(base_)) << "app stands on it";
  EXPECT_TRUE(HasLayer(app_));
  EXPECT_FALSE(Check().HasErrors());
}

TEST_F(StoreCheckTest, RepairRemovesContainersOnDamagedLayersOnlyWhenForced) {
  fs::remove(Diff(base_) + "/bin/busybox");
  const CheckReport report = Check();
  ASSERT_THAT(Ids(report.containers), ElementsAre("c1"));
  const std::vector<absl::Status> errors = Repair(report);
  ASSERT_FALSE(errors.empty());
  EXPECT_THAT(std::string(errors.front().message()),
              HasSubstr("deleting image " + Id("app") + ": image " + Id("app") +
                        " is in use by container c1"));
  EXPECT_TRUE(HasImage("app")) << "c1 uses it";
  EXPECT_FALSE(HasImage("tool")) << "nothing did";
  EXPECT_TRUE(containers_->IsMounted("c1"));

  EXPECT_THAT(Repair(Check(), /*force=*/true), IsEmpty());
  EXPECT_FALSE(containers_->IsMounted("c1"));
  EXPECT_THAT(containers_->Recorded()->crios, IsEmpty());
  EXPECT_FALSE(HasImage("app"));
  EXPECT_FALSE(HasLayer(base_));
  EXPECT_FALSE(HasLayer(ContainerLayers::LayerId("c1")));
  const CheckReport after = Check();
  EXPECT_FALSE(after.HasErrors()) << Lines(after.layers, base_);
}

TEST_F(StoreCheckTest, RepairRemovesUnaccountedDirsButNotOnesRecordedSinceTheCheck) {
  fs::create_directories(root() + "/overlay/" + Id("stray") + "/diff");
  fs::create_directories(root() + "/overlay/" + Id("late") + "/diff");
  const CheckReport report = Check(CheckMost());
  RecordIncomplete(*store_->files().layers, Id("late"));
  EXPECT_THAT(Repair(report), IsEmpty());
  EXPECT_FALSE(fs::exists(root() + "/overlay/" + Id("stray")));
  EXPECT_TRUE(fs::exists(root() + "/overlay/" + Id("late")));
}

TEST_F(StoreCheckTest, AReadOnlyStoresDamageIsReportedNeverRepaired) {
  const std::string ro_root = dir_.Join("ro");
  {
    auto ro = ImageStore::Open(ro_root);
    ASSERT_TRUE(ro.ok());
    const std::string layer = AddLayer(**ro, "ro-layer", "", {{.name = "ro", .content = "ro"}});
    PutImage(**ro, "ro-image", {layer});
  }
  fs::remove(ro_root + "/overlay/" + Id("ro-layer") + "/diff/ro");
  containers_.reset();
  store_.reset();
  auto store = ImageStore::Open(root(), dir_.Join("run"),
                                DriverOptions{.additional_image_stores = {ro_root}});
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = std::move(*store);
  containers_ = std::make_unique<ContainerLayers>(store_->files());
  const CheckReport report = Check();
  EXPECT_THAT(Ids(report.read_only_layers), ElementsAre(Id("ro-layer")));
  EXPECT_THAT(Lines(report.read_only_layers, Id("ro-layer")),
              HasSubstr("read-only layer " + Id("ro-layer") + ": "));
  EXPECT_THAT(Ids(report.read_only_images), ElementsAre(Id("ro-image")));
  EXPECT_FALSE(!report.layers.empty() || !report.images.empty());
  EXPECT_THAT(Repair(report, /*force=*/true), IsEmpty());
  EXPECT_TRUE(fs::exists(ro_root + "/overlay/" + Id("ro-layer")));
  EXPECT_TRUE(HasImage("ro-image"));
}

TEST_F(StoreCheckTest, WipeRefusesMountedLayersUnlessForced) {
  EXPECT_EQ(WipeStore(store_->files(), /*force=*/false).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(fs::exists(root()));
  EXPECT_TRUE(WipeStore(store_->files(), /*force=*/true).ok());
  EXPECT_FALSE(fs::exists(root()));
}

}  // namespace
}  // namespace crio::storage
