#include "storage/layer_unpack.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "common/sha256.h"
#include "gtest/gtest.h"
#include "testing/tar_builder.h"
#include "testing/temp_dir.h"

namespace crio::storage {
namespace {

namespace fs = std::filesystem;

using testing::TarEntry;

// Writes `entries` as a tar file (gzip-compressed when asked); returns its path and the
// sha256 of the uncompressed tar.
std::pair<std::string, std::string> WriteTar(const testing::TempDir& dir,
                                             const std::vector<TarEntry>& entries, bool gzip) {
  const std::string path =
      dir.WriteFile(gzip ? "layer.tar.gz" : "layer.tar", testing::BuildTar(entries, gzip));
  return {path, Sha256Digest(testing::BuildTar(entries, false))};
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class LayerUnpackTest : public ::testing::Test {
 protected:
  std::string Target() {
    const std::string target = dir_.Join("diff");
    fs::create_directories(target);
    return target;
  }
  testing::TempDir dir_;
};

TEST_F(LayerUnpackTest, UnpacksFilesDirsLinksAndComputesTheDiffId) {
  const auto [layer, diff_id] = WriteTar(
      dir_,
      {{.name = "./bin/", .type = testing::kTarDir, .mode = 0755},
       {.name = "bin/busybox", .content = "#!binary", .mode = 0755, .uid = 33},
       {.name = "bin/sh", .type = testing::kTarSymlink, .link = "busybox"},
       {.name = "bin/ls", .link = "bin/busybox", .hardlink = true},
       {.name = "/etc/passwd", .content = "root:x:0:0::/root:/bin/sh\n"}},  // absolute: inside
      /*gzip=*/true);
  const std::string target = Target();
  auto stats = UnpackLayer(layer, target);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->diff_id, diff_id);
  EXPECT_EQ(stats->entries, 5);
  EXPECT_EQ(Read(target + "/bin/busybox"), "#!binary");
  EXPECT_EQ(fs::read_symlink(target + "/bin/sh"), "busybox");
  struct stat busybox {
  }, ls{};
  ASSERT_EQ(stat((target + "/bin/busybox").c_str(), &busybox), 0);
  ASSERT_EQ(stat((target + "/bin/ls").c_str(), &ls), 0);
  EXPECT_EQ(busybox.st_ino, ls.st_ino);
  EXPECT_EQ(busybox.st_mode & 07777, 0755u);
  EXPECT_EQ(busybox.st_mtime, 1700000000);
  if (geteuid() == 0) {
    EXPECT_EQ(busybox.st_uid, 33u);
  }
  EXPECT_EQ(Read(target + "/etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
}

TEST_F(LayerUnpackTest, UnpacksFromAStreamInSmallChunks) {
  const std::string layer =
      testing::BuildTar({{.name = "data/big", .content = std::string(300000, 'z')},
                         {.name = "data/small", .content = "s"}},
                        testing::Compression::kZstd);
  size_t offset = 0;
  const LayerReader trickle = [&](char* buffer, size_t size) -> absl::StatusOr<size_t> {
    const size_t n = std::min({size, size_t{7}, layer.size() - offset});  // as a network might
    std::memcpy(buffer, layer.data() + offset, n);
    offset += n;
    return n;
  };
  const std::string target = Target();
  auto stats = UnpackLayerFrom(trickle, target);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(fs::file_size(target + "/data/big"), 300000u);
  EXPECT_EQ(Read(target + "/data/small"), "s");
}

TEST_F(LayerUnpackTest, TheStreamsErrorIsTheOneReported) {
  std::string noise(300000, '\0');  // incompressible, so the stream is long
  std::mt19937 random(7);
  for (char& c : noise) c = static_cast<char>(random());
  const std::string layer =
      testing::BuildTar({{.name = "data/big", .content = noise}}, testing::Compression::kGzip);
  size_t offset = 0;
  const LayerReader failing = [&](char* buffer, size_t size) -> absl::StatusOr<size_t> {
    if (offset > 1000) return absl::DataLossError("digest mismatch");
    const size_t n = std::min(size, size_t{500});
    std::memcpy(buffer, layer.data() + offset, n);
    offset += n;
    return n;
  };
  auto stats = UnpackLayerFrom(failing, Target());
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kDataLoss) << stats.status();
}

TEST_F(LayerUnpackTest, DotDotNamesAreRefused) {
  const auto [layer, diff_id] = WriteTar(dir_, {{.name = "../escape", .content = "x"}}, false);
  auto stats = UnpackLayer(layer, Target());
  ASSERT_EQ(stats.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(stats.status().message().find(".."), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_.Join("escape")));
}

TEST_F(LayerUnpackTest, SymlinkedParentsStayInside) {
  // "evil" points at the temp dir's parent; writing through it must land inside the layer.
  const auto [layer, diff_id] =
      WriteTar(dir_,
               {{.name = "evil", .type = testing::kTarSymlink, .link = dir_.path()},
                {.name = "evil/planted", .content = "gotcha"},
                {.name = "up", .type = testing::kTarSymlink, .link = "../../.."},
                {.name = "up/planted2", .content = "gotcha"}},
               false);
  const std::string target = Target();
  auto stats = UnpackLayer(layer, target);
  // Either refused or confined; never outside.
  EXPECT_FALSE(fs::exists(dir_.Join("planted")));
  EXPECT_FALSE(fs::exists(fs::path(dir_.path()).parent_path() / "planted2"));
  if (stats.ok()) {
    EXPECT_TRUE(fs::exists(target + dir_.path() + "/planted") || fs::exists(target + "/planted2"));
  }
}

TEST_F(LayerUnpackTest, HardLinksCannotReachOutside) {
  const auto [layer, diff_id] = WriteTar(
      dir_, {{.name = "passwd", .link = "../../../../etc/passwd", .hardlink = true}}, false);
  EXPECT_EQ(UnpackLayer(layer, Target()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(LayerUnpackTest, WhiteoutsBecomeOverlayWhiteouts) {
  if (geteuid() != 0) GTEST_SKIP() << "overlay whiteouts need CAP_MKNOD and trusted xattrs";
  const auto [layer, diff_id] = WriteTar(dir_,
                                         {{.name = "etc/", .type = testing::kTarDir, .mode = 0755},
                                          {.name = "etc/.wh.motd", .content = ""},
                                          {.name = "var/", .type = testing::kTarDir, .mode = 0755},
                                          {.name = "var/.wh..wh..opq", .content = ""},
                                          {.name = "var/kept", .content = "k"}},
                                         true);
  const std::string target = Target();
  ASSERT_TRUE(UnpackLayer(layer, target).ok());
  struct stat whiteout {};
  ASSERT_EQ(lstat((target + "/etc/motd").c_str(), &whiteout), 0);
  EXPECT_TRUE(S_ISCHR(whiteout.st_mode));
  EXPECT_EQ(whiteout.st_rdev, makedev(0, 0));
  EXPECT_FALSE(fs::exists(target + "/etc/.wh.motd"));
  char value[8] = {};
  ASSERT_EQ(getxattr((target + "/var").c_str(), "trusted.overlay.opaque", value, sizeof(value)), 1);
  EXPECT_EQ(value[0], 'y');
  EXPECT_EQ(Read(target + "/var/kept"), "k");
}

TEST_F(LayerUnpackTest, LaterEntriesReplaceEarlierOnes) {
  const auto [layer, diff_id] = WriteTar(dir_,
                                         {{.name = "a", .content = "first"},
                                          {.name = "a", .content = "second"},
                                          {.name = "d/", .type = testing::kTarDir},
                                          {.name = "d/x", .content = "x"},
                                          {.name = "d", .content = "now a file"}},
                                         false);
  const std::string target = Target();
  ASSERT_TRUE(UnpackLayer(layer, target).ok());
  EXPECT_EQ(Read(target + "/a"), "second");
  EXPECT_EQ(Read(target + "/d"), "now a file");
}

TEST_F(LayerUnpackTest, LimitsAndGarbage) {
  const auto [layer, diff_id] = WriteTar(
      dir_, {{.name = "big", .content = std::string(1000, 'x')}, {.name = "b", .content = "y"}},
      false);
  EXPECT_EQ(UnpackLayer(layer, Target(), {.max_entries = 10, .max_bytes = 100}).status().code(),
            absl::StatusCode::kInvalidArgument);
  fs::remove_all(dir_.Join("diff"));
  EXPECT_EQ(UnpackLayer(layer, Target(), {.max_entries = 1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  const std::string garbage = dir_.WriteFile("garbage", std::string(5000, '\x7f'));
  fs::remove_all(dir_.Join("diff"));
  EXPECT_FALSE(UnpackLayer(garbage, Target()).ok());
}

}  // namespace
}  // namespace crio::storage
