#include "storage/layer_unpack.h"

#include <stdlib.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "common/sha256.h"
#include "fmt/format.h"
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
  // A fresh, empty target (what an earlier unpack left is removed).
  std::string FreshTarget() {
    fs::remove_all(dir_.Join("diff"));
    return Target();
  }
  absl::StatusOr<UnpackStats> UnpackBytes(const std::string& layer, Compression compression,
                                          const UnpackOptions& limits = {}) {
    return UnpackLayer(dir_.WriteFile("layer", layer), compression, FreshTarget(), limits);
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
  auto stats = UnpackLayer(layer, Compression::kGzip, target);
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

TEST_F(LayerUnpackTest, DirectoriesKeepTheirTimesWhateverGoesIntoThemLater) {
  const auto [layer, diff_id] = WriteTar(
      dir_,
      {{.name = "usr/", .type = testing::kTarDir, .mode = 0755},
       {.name = "usr/lib/", .type = testing::kTarDir, .mode = 0755},
       {.name = "usr/lib/libc.so", .content = "elf"},
       {.name = "usr/share", .type = testing::kTarSymlink, .link = "lib"},
       {.name = "usr/lib/libm.so", .link = "usr/lib/libc.so", .hardlink = true}},
      /*gzip=*/false);
  const std::string target = Target();
  ASSERT_TRUE(UnpackLayer(layer, Compression::kNone, target).ok());
  for (const char* dir : {"/usr", "/usr/lib"}) {
    struct stat info {};
    ASSERT_EQ(::stat((target + dir).c_str(), &info), 0);
    EXPECT_EQ(info.st_mtime, 1700000000) << dir;  // what the tar says, as containers/storage
  }
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
  auto stats = UnpackLayerFrom(trickle, Compression::kZstd, target);
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
  auto stats = UnpackLayerFrom(failing, Compression::kGzip, Target());
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kDataLoss) << stats.status();
}

TEST_F(LayerUnpackTest, DotDotNamesAreRefused) {
  const auto [layer, diff_id] = WriteTar(dir_, {{.name = "../escape", .content = "x"}}, false);
  auto stats = UnpackLayer(layer, Compression::kNone, Target());
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
  auto stats = UnpackLayer(layer, Compression::kNone, target);
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
  EXPECT_EQ(UnpackLayer(layer, Compression::kNone, Target()).status().code(),
            absl::StatusCode::kInvalidArgument);
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
  ASSERT_TRUE(UnpackLayer(layer, Compression::kGzip, target).ok());
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
  ASSERT_TRUE(UnpackLayer(layer, Compression::kNone, target).ok());
  EXPECT_EQ(Read(target + "/a"), "second");
  EXPECT_EQ(Read(target + "/d"), "now a file");
}

TEST_F(LayerUnpackTest, LimitsAndGarbage) {
  const auto [layer, diff_id] = WriteTar(
      dir_, {{.name = "big", .content = std::string(1000, 'x')}, {.name = "b", .content = "y"}},
      false);
  EXPECT_EQ(UnpackLayer(layer, Compression::kNone, Target(), {.max_entries = 10, .max_bytes = 100})
                .status()
                .code(),
            absl::StatusCode::kResourceExhausted);
  fs::remove_all(dir_.Join("diff"));
  EXPECT_EQ(UnpackLayer(layer, Compression::kNone, Target(), {.max_entries = 1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  const std::string garbage = dir_.WriteFile("garbage", std::string(5000, '\x7f'));
  fs::remove_all(dir_.Join("diff"));
  EXPECT_FALSE(UnpackLayer(garbage, Compression::kNone, Target()).ok());
}

const std::vector<TarEntry> kMotd = {{.name = "etc/motd", .content = "hello"}};

TEST_F(LayerUnpackTest, TheMediaTypesCompressionIsTheOnlyDecompressor) {
  const std::string diff_id = Sha256Digest(testing::BuildTar(kMotd, testing::Compression::kNone));
  const std::pair<Compression, testing::Compression> kKinds[] = {
      {Compression::kNone, testing::Compression::kNone},
      {Compression::kGzip, testing::Compression::kGzip},
      {Compression::kZstd, testing::Compression::kZstd}};
  for (const auto& [declared, declared_as_built] : kKinds) {
    for (const auto& [unused, actual] : kKinds) {
      SCOPED_TRACE(::testing::Message() << "declared " << static_cast<int>(declared) << ", built "
                                        << static_cast<int>(actual));
      auto stats = UnpackBytes(testing::BuildTar(kMotd, actual), declared);
      if (declared_as_built == actual) {
        ASSERT_TRUE(stats.ok()) << stats.status();
        EXPECT_EQ(stats->diff_id, diff_id);
        EXPECT_EQ(Read(dir_.Join("diff/etc/motd")), "hello");
        continue;
      }
      EXPECT_EQ(stats.status().code(), absl::StatusCode::kInvalidArgument) << stats.status();
      if (declared != Compression::kNone) {
        EXPECT_NE(stats.status().message().find("compressed, as its media type says"),
                  std::string::npos)
            << stats.status();
      }
    }
  }
}

TEST_F(LayerUnpackTest, NoExternalDecompressorEverRuns) {
  // libarchive runs an external program for lrzip, lzop, grzip, lz4 (without the library)
  // and more; a layer starting with lrzip's magic must not make crio run one. A fake lrzip
  // first on PATH would tell.
  const std::string marker = dir_.Join("lrzip-ran");
  const std::string lrzip =
      dir_.WriteFile("bin/lrzip", "#!/bin/sh\ntouch " + marker + "\ncat >/dev/null\n");
  fs::permissions(lrzip, fs::perms::owner_all);
  const char* path = ::getenv("PATH");
  const std::string saved_path = path != nullptr ? path : "/usr/bin:/bin";
  ::setenv("PATH", (dir_.Join("bin") + ":" + saved_path).c_str(), 1);
  const std::string layer = std::string("LRZI\0\x06", 6) + std::string(4096, '\x11');
  for (const Compression declared : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    EXPECT_EQ(UnpackBytes(layer, declared).status().code(), absl::StatusCode::kInvalidArgument);
  }
  ::setenv("PATH", saved_path.c_str(), 1);
  EXPECT_FALSE(fs::exists(marker));
}

TEST_F(LayerUnpackTest, ADecompressionBombStopsAtTheBound) {
  constexpr int64_t kBound = int64_t{16} << 20;
  for (const auto& [declared, built] :
       {std::pair{Compression::kGzip, testing::Compression::kGzip},
        std::pair{Compression::kZstd, testing::Compression::kZstd}}) {
    const std::string bomb = testing::BuildZeroBomb(int64_t{4} << 30, built);  // 4 GiB
    EXPECT_LT(bomb.size(), size_t{8} << 20);
    const auto start = std::chrono::steady_clock::now();
    auto stats = UnpackBytes(bomb, declared, {.max_bytes = kBound});
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
    ASSERT_EQ(stats.status().code(), absl::StatusCode::kResourceExhausted) << stats.status();
    EXPECT_NE(stats.status().message().find("decompresses to more than 16777216 bytes"),
              std::string::npos)
        << stats.status();
    EXPECT_LE(fs::file_size(dir_.Join("diff/bomb")), static_cast<uintmax_t>(kBound));
  }
}

TEST_F(LayerUnpackTest, TheImagesLayersShareOneBound) {
  const std::string layer =
      testing::BuildTar({{.name = "data", .content = std::string(1 << 20, 'x')}}, true);
  ByteBudget budget((int64_t{3} << 20) / 2);  // room for one layer, not two
  ASSERT_TRUE(UnpackBytes(layer, Compression::kGzip, {.image_budget = &budget}).ok());
  auto second = UnpackBytes(layer, Compression::kGzip, {.image_budget = &budget});
  EXPECT_EQ(second.status().code(), absl::StatusCode::kResourceExhausted) << second.status();
  EXPECT_NE(second.status().message().find("the image's layers decompress to more than"),
            std::string::npos)
      << second.status();
}

TEST_F(LayerUnpackTest, LowFreeSpaceStopsTheUnpackBeforeItWrites) {
  auto stats = UnpackBytes(testing::BuildTar(kMotd, true), Compression::kGzip,
                           {.min_free_bytes = INT64_MAX});
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kResourceExhausted) << stats.status();
  EXPECT_NE(stats.status().message().find("free"), std::string::npos) << stats.status();
  EXPECT_TRUE(fs::is_empty(dir_.Join("diff")));
}

TEST_F(LayerUnpackTest, OnlyZerosMayFollowTheTarsEnd) {
  const std::string tar = testing::BuildTar(kMotd, testing::Compression::kNone);
  // Block padding, as GNU tar writes it (a 10 KiB record): fine, and in the diff ID.
  const std::string padded = tar + std::string(10240 - tar.size() % 10240, '\0');
  auto stats = UnpackBytes(padded, Compression::kNone);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->diff_id, Sha256Digest(padded));
  // Anything else after the end is refused, plain or compressed.
  for (const auto& [layer, declared] :
       {std::pair{tar + "hidden", Compression::kNone},
        std::pair{testing::Compress(padded + "hidden", testing::Compression::kGzip),
                  Compression::kGzip}}) {
    stats = UnpackBytes(layer, declared);
    EXPECT_EQ(stats.status().code(), absl::StatusCode::kInvalidArgument) << stats.status();
    EXPECT_NE(stats.status().message().find("after the end of the layer's tar archive"),
              std::string::npos)
        << stats.status();
  }
  // Zeros after the end count against the bound like any other byte.
  const std::string trailing_zeros =
      testing::Compress(tar + std::string(4 << 20, '\0'), testing::Compression::kGzip);
  stats = UnpackBytes(trailing_zeros, Compression::kGzip, {.max_bytes = 1 << 20});
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kResourceExhausted) << stats.status();
}

// In a user namespace that maps only root, an owner of 1000 cannot be set (EINVAL): the
// layer fails unless ignore_chown_errors, as containers/storage's option says.
TEST_F(LayerUnpackTest, ChownErrorsFailTheLayerUnlessIgnored) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to map a user namespace";
  const auto [tar, diff_id] =
      WriteTar(dir_, {{.name = "owned", .content = "x", .uid = 1000}}, false);
  int ready[2], mapped[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(mapped), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    char byte = 0;
    if (::unshare(CLONE_NEWUSER) != 0) ::_exit(10);
    if (::write(ready[1], &byte, 1) != 1 || ::read(mapped[0], &byte, 1) != 1) ::_exit(11);
    const std::string target = dir_.Join("in-userns");
    fs::create_directories(target + "/strict");
    fs::create_directories(target + "/lenient");
    const bool strict_failed = !UnpackLayer(tar, Compression::kNone, target + "/strict").ok();
    const bool lenient_ok =
        UnpackLayer(tar, Compression::kNone, target + "/lenient", {.ignore_chown_errors = true})
            .ok();
    ::_exit((strict_failed ? 0 : 1) | (lenient_ok ? 0 : 2));
  }
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  for (const char* map : {"uid_map", "gid_map"}) {
    std::ofstream(fmt::format("/proc/{}/{}", child, map)) << "0 0 1\n";
  }
  ASSERT_EQ(::write(mapped[1], &byte, 1), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  for (int fd : {ready[0], ready[1], mapped[0], mapped[1]}) ::close(fd);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "1: a chown error was ignored; 2: ignore_chown_errors failed";
  EXPECT_TRUE(fs::exists(dir_.Join("in-userns/lenient/owned")));
}

}  // namespace
}  // namespace crio::storage
