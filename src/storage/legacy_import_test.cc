#include "storage/legacy_import.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "common/read_file.h"
#include "common/sha256.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "image/digest.h"
#include "nlohmann/json.hpp"
#include "state/database.h"
#include "testing/detach_mounts.h"
#include "testing/log_capture.h"
#include "testing/temp_dir.h"

namespace crio::storage {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The old store's schema, as crio wrote it before containers/storage's format.
constexpr char kOldSchema[] = R"(
CREATE TABLE IF NOT EXISTS layers (
  chain_id TEXT PRIMARY KEY, diff_id TEXT NOT NULL, parent TEXT NOT NULL, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS images (
  id TEXT PRIMARY KEY, manifest_digest TEXT NOT NULL, size INTEGER NOT NULL,
  user TEXT NOT NULL, pulled_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS image_layers (
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  position INTEGER NOT NULL, chain_id TEXT NOT NULL REFERENCES layers(chain_id),
  PRIMARY KEY (image_id, position));
CREATE TABLE IF NOT EXISTS image_names (
  name TEXT PRIMARY KEY, image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  is_digest INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS image_layers_by_chain ON image_layers (chain_id);
CREATE TABLE IF NOT EXISTS intents (path TEXT PRIMARY KEY);
)";

constexpr int64_t kPulledAt = 1'790'000'000;
constexpr time_t kToolMtime = 1'600'000'000;

struct OldImage {
  std::string id;
  std::string manifest_digest;
  std::string config;
  std::string manifest;
  std::vector<std::string> diff_ids;
  std::vector<std::string> chain_ids;
};

std::string Hex(const std::string& digest) { return digest.substr(7); }

std::string Xattr(const std::string& path, const char* key) {
  std::string value(256, '\0');
  const ssize_t size = ::lgetxattr(path.c_str(), key, value.data(), value.size());
  return size < 0 ? "<none>" : value.substr(0, static_cast<size_t>(size));
}

struct stat Lstat(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info;
}

std::set<std::string> Listing(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    names.insert(entry.path().filename().string());
  return names;
}

class LegacyImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Whiteouts are device nodes, files belong to other users, opaque is a trusted xattr.
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    fs::create_directories(old());
    auto db = state::Database::Open(old() + "/images.db");
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Exec(kOldSchema).ok());
    auto store = ImageStore::Open(dir_.Join("root"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  void TearDown() override { testing::DetachMountsUnder(dir_.path()); }

  std::string old() const { return dir_.Join("old"); }
  void Exec(const std::string& sql) {
    const absl::Status done = db_->Exec(sql);
    EXPECT_TRUE(done.ok()) << done << ": " << sql;
  }
  std::string OldDiff(const std::string& chain_id) const {
    return old() + "/overlay/" + Hex(chain_id) + "/diff";
  }

  // Records an image of `layers` (each a diff ID's seed; a layer already recorded is
  // reused) named `tag` in the old store, and writes its config and manifest.
  OldImage AddOldImage(const std::string& tag, const std::vector<std::string>& layers) {
    OldImage image;
    for (const std::string& seed : layers) {
      image.diff_ids.push_back(Sha256Digest("tar of " + seed));
      image.chain_ids.push_back(
          image.chain_ids.empty()
              ? image.diff_ids.back()
              : Sha256Digest(image.chain_ids.back() + " " + image.diff_ids.back()));
      const std::string parent = image.chain_ids.size() > 1 ? image.chain_ids.rbegin()[1] : "";
      Exec(fmt::format("INSERT OR IGNORE INTO layers VALUES ('{}', '{}', '{}', 4096)",
                       image.chain_ids.back(), image.diff_ids.back(), parent));
    }
    image.config = json{{"architecture", "amd64"},
                        {"os", "linux"},
                        {"config", {{"User", "1000"}}},
                        {"rootfs", {{"type", "layers"}, {"diff_ids", image.diff_ids}}}}
                       .dump();
    image.id = Hex(Sha256Digest(image.config));
    image.manifest =
        json{{"schemaVersion", 2}, {"config", {{"digest", "sha256:" + image.id}}}}.dump();
    image.manifest_digest = Sha256Digest(image.manifest);
    Exec(fmt::format("INSERT INTO images VALUES ('{}', '{}', 8192, '1000', {})", image.id,
                     image.manifest_digest, kPulledAt));
    for (size_t i = 0; i < image.chain_ids.size(); ++i) {
      Exec(fmt::format("INSERT INTO image_layers VALUES ('{}', {}, '{}')", image.id, i,
                       image.chain_ids[i]));
    }
    const std::string repository = tag.substr(0, tag.rfind(':'));
    Exec(fmt::format("INSERT INTO image_names VALUES ('{}', '{}', 0)", tag, image.id));
    Exec(fmt::format("INSERT INTO image_names VALUES ('{}@{}', '{}', 1)", repository,
                     image.manifest_digest, image.id));
    dir_.WriteFile("old/overlay-images/" + image.id + "/config.json", image.config);
    dir_.WriteFile("old/overlay-images/" + image.id + "/manifest.json", image.manifest);
    return image;
  }

  // The base layer's files: a setuid file of uid 1000, a hard link pair, a symlink out of
  // the layer (never followed), an xattr, a fixed mtime.
  void WriteBaseLayer(const std::string& chain_id) {
    const std::string diff = OldDiff(chain_id);
    fs::create_directories(diff + "/bin");
    dir_.WriteFile("old/overlay/" + Hex(chain_id) + "/diff/etc/passwd",
                   "root:x:0:0::/root:/bin/sh\n");
    const std::string tool =
        dir_.WriteFile("old/overlay/" + Hex(chain_id) + "/diff/bin/tool", "#!tool");
    ASSERT_EQ(::chown(tool.c_str(), 1000, 1001), 0);
    ASSERT_EQ(::chmod(tool.c_str(), 04755), 0);
    ASSERT_EQ(::setxattr(tool.c_str(), "user.crio.note", "kept", 4, 0), 0);
    const timespec times[2] = {{kToolMtime, 0}, {kToolMtime, 5}};
    ASSERT_EQ(::utimensat(AT_FDCWD, tool.c_str(), times, 0), 0);
    ASSERT_EQ(::link(tool.c_str(), (diff + "/bin/tool-again").c_str()), 0);
    ASSERT_EQ(::symlink("/etc/passwd", (diff + "/bin/passwd-link").c_str()), 0);
  }

  // The second layer: a whiteout of etc/passwd, an opaque directory with a file.
  void WriteTopLayer(const std::string& chain_id) {
    const std::string diff = OldDiff(chain_id);
    dir_.WriteFile("old/overlay/" + Hex(chain_id) + "/diff/var/new", "new");
    fs::create_directories(diff + "/etc");
    ASSERT_EQ(::mknod((diff + "/etc/passwd").c_str(), S_IFCHR | 0, makedev(0, 0)), 0);
    ASSERT_EQ(::setxattr((diff + "/var").c_str(), "trusted.overlay.opaque", "y", 1, 0), 0);
  }

  OldImage AddAppImage() {
    const OldImage image = AddOldImage("docker.io/library/app:1", {"base", "top"});
    WriteBaseLayer(image.chain_ids[0]);
    WriteTopLayer(image.chain_ids[1]);
    return image;
  }

  absl::StatusOr<LegacyImport> Import() {
    return ImportLegacyStore(old(), *store_, image::LayerIds);
  }

  // The imported files are the old ones: linked (the same inodes) or copied.
  void ExpectLayerFiles(const OldImage& image, bool linked) {
    const std::vector<std::string> ids = image::LayerIds(image.diff_ids);
    const std::string base = store_->LayerDir(ids[0]);
    const std::string top = store_->LayerDir(ids[1]);
    EXPECT_EQ(*ReadFileToString(base + "/etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
    const struct stat tool = Lstat(base + "/bin/tool");
    EXPECT_EQ(tool.st_mode & 07777, 04755u);
    EXPECT_EQ(tool.st_uid, 1000u);
    EXPECT_EQ(tool.st_gid, 1001u);
    EXPECT_EQ(tool.st_mtim.tv_sec, kToolMtime);
    EXPECT_EQ(tool.st_mtim.tv_nsec, 5);
    EXPECT_EQ(Xattr(base + "/bin/tool", "user.crio.note"), "kept");
    EXPECT_EQ(Lstat(base + "/bin/tool-again").st_ino, tool.st_ino);
    EXPECT_EQ(tool.st_ino == Lstat(OldDiff(image.chain_ids[0]) + "/bin/tool").st_ino, linked);
    EXPECT_TRUE(S_ISLNK(Lstat(base + "/bin/passwd-link").st_mode));
    EXPECT_EQ(fs::read_symlink(base + "/bin/passwd-link").string(), "/etc/passwd");
    const struct stat whiteout = Lstat(top + "/etc/passwd");
    EXPECT_TRUE(S_ISCHR(whiteout.st_mode));
    EXPECT_EQ(whiteout.st_rdev, makedev(0, 0));
    EXPECT_EQ(Xattr(top + "/var", "trusted.overlay.opaque"), "y");
    EXPECT_EQ(*ReadFileToString(top + "/var/new"), "new");
  }

  testing::TempDir dir_;
  std::unique_ptr<state::Database> db_;
  std::unique_ptr<ImageStore> store_;
};

TEST_F(LegacyImportTest, ImagesKeepTheirIdNamesFilesAndBigData) {
  const OldImage image = AddAppImage();
  db_.reset();  // closed as the old crio left it
  const std::string db_before = *ReadFileToString(old() + "/images.db");
  const std::set<std::string> old_before = Listing(old());

  auto imported = Import();
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->images, 1);
  EXPECT_EQ(imported->layers, 2);
  EXPECT_EQ(imported->skipped, 0);

  auto by_tag = store_->Find("docker.io/library/app:1");
  ASSERT_TRUE(by_tag.ok() && by_tag->has_value());
  EXPECT_EQ((*by_tag)->id, image.id);
  EXPECT_EQ((*by_tag)->layers, image::LayerIds(image.diff_ids));
  EXPECT_EQ((*by_tag)->manifest_digest, image.manifest_digest);
  EXPECT_EQ((*by_tag)->user, "1000");
  EXPECT_EQ((*by_tag)->pulled_at, kPulledAt);
  auto by_digest = store_->Find("docker.io/library/app@" + image.manifest_digest);
  ASSERT_TRUE(by_digest.ok() && by_digest->has_value());
  EXPECT_EQ((*by_digest)->id, image.id);
  EXPECT_EQ(*store_->ReadConfig(image.id), image.config);
  EXPECT_EQ(*store_->ReadManifest(image.id), image.manifest);
  ExpectLayerFiles(image, /*linked=*/true);  // one file system, one mount: linked

  // The layer records: the diff ID, no compression, no tar-split, the owners.
  const json layers = json::parse(*ReadFileToString(dir_.Join("root/overlay-layers/layers.json")));
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0]["diff-digest"], image.diff_ids[0]);
  EXPECT_EQ(layers[0]["compression"], 0);
  EXPECT_FALSE(layers[0].contains("compressed-diff-digest"));
  EXPECT_EQ(layers[0]["uidset"], json::array({0, 1000}));
  EXPECT_EQ(layers[0]["gidset"], json::array({0, 1001}));
  EXPECT_EQ(layers[1]["parent"], layers[0]["id"]);
  EXPECT_FALSE(fs::exists(store_->files().TarSplitPath(layers[0]["id"].get<std::string>())));

  // The old store is as it was, but for the marker.
  EXPECT_EQ(*ReadFileToString(old() + "/images.db"), db_before);
  std::set<std::string> old_after = Listing(old());
  EXPECT_EQ(old_after.erase("images.db.imported"), 1u);
  EXPECT_EQ(old_after, old_before);
  EXPECT_NE(ReadFileToString(old() + "/images.db.imported")->find(dir_.Join("root")),
            std::string::npos);

  auto again = Import();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->images + again->layers + again->skipped + again->present, 0);
}

TEST_F(LegacyImportTest, FilesAreCopiedWhereTheyCannotBeLinked) {
  const OldImage image = AddAppImage();
  db_.reset();
  // The old store behind a mount of its own, as the driver's home is: link(2) gives EXDEV.
  ASSERT_EQ(::mount(old().c_str(), old().c_str(), nullptr, MS_BIND, nullptr), 0);
  auto imported = Import();
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->images, 1);
  ExpectLayerFiles(image, /*linked=*/false);
}

TEST_F(LegacyImportTest, ImagesWithMissingFilesAreSkippedAndTheOthersGoOn) {
  AddAppImage();
  const OldImage broken = AddOldImage("docker.io/library/broken:1", {"base", "gone"});
  const OldImage bare = AddOldImage("docker.io/library/bare:1", {"base"});
  ASSERT_TRUE(fs::remove(old() + "/overlay-images/" + bare.id + "/manifest.json"));
  db_.reset();
  testing::LogCapture log(log::Level::kWarn);
  auto imported = Import();
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->images, 1);
  EXPECT_EQ(imported->skipped, 2);
  EXPECT_TRUE(store_->Find("docker.io/library/app:1")->has_value());
  EXPECT_FALSE(store_->Find(broken.id)->has_value());
  EXPECT_FALSE(store_->Find(bare.id)->has_value());
  EXPECT_EQ(log.Matching("docker.io/library/broken:1").size(), 1u);
  EXPECT_EQ(log.Matching("manifest.json").size(), 1u);
  EXPECT_TRUE(fs::exists(old() + "/images.db.imported"));
}

TEST_F(LegacyImportTest, ImagesAndNamesTheStoreHasStayItsOwn) {
  const OldImage app = AddAppImage();
  const OldImage other = AddOldImage("docker.io/library/other:1", {"base"});
  db_.reset();
  // The store has app already, and another image holds "other:1".
  ASSERT_TRUE(Import().ok());
  ASSERT_TRUE(fs::remove(old() + "/images.db.imported"));
  ASSERT_TRUE(store_->RemoveImage(other.id).ok());
  const ImageRecord holder{.id = Hex(Sha256Digest("holder")),
                           .repo_tags = {"docker.io/library/other:1"},
                           .layers = image::LayerIds({app.diff_ids[0]}),
                           .manifest_digest = Sha256Digest("holder manifest")};
  ASSERT_TRUE(store_->PutImage(holder, "{}", {{holder.manifest_digest, "{}"}}).ok());

  auto imported = Import();
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->present, 1);
  EXPECT_EQ(imported->images, 1);
  EXPECT_EQ((*store_->Find("docker.io/library/other:1"))->id, holder.id);
  auto other_now = store_->Find(other.id);
  ASSERT_TRUE(other_now.ok() && other_now->has_value());
  EXPECT_TRUE((*other_now)->repo_tags.empty());
}

TEST_F(LegacyImportTest, NotFromTheStoresOwnRoot) {
  dir_.WriteFile("root/images.db", "");
  auto imported = ImportLegacyStore(dir_.Join("root"), *store_, image::LayerIds);
  EXPECT_EQ(imported.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(LegacyImportTest, NothingWithoutAnOldStore) {
  auto imported = ImportLegacyStore(dir_.Join("absent"), *store_, image::LayerIds);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->images, 0);
  EXPECT_FALSE(fs::exists(dir_.Join("absent")));
}

}  // namespace
}  // namespace crio::storage
