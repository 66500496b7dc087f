#include "storage/tar_split.h"

#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/base64.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "storage/layer_unpack.h"
#include "testing/subprocess.h"
#include "testing/tar_builder.h"
#include "testing/temp_dir.h"

namespace crio::storage {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// ---- Tars written by hand, block by block, so each test controls every header byte. ----

struct RawHeader {
  std::string name;
  char type = '0';
  int64_t size = 0;
  int64_t uid = 0;
  int64_t gid = 0;
  bool gnu = false;          // GNU magic ("ustar  \0") instead of POSIX ("ustar\0" "00")
  bool base256_uid = false;  // the uid field in GNU's base-256 form
};

// One 512-byte header block with its checksum.
std::string HeaderBlock(const RawHeader& h) {
  std::string block(512, '\0');
  const auto put = [&block](size_t offset, std::string_view text) {
    block.replace(offset, text.size(), text);
  };
  put(0, std::string_view(h.name).substr(0, 100));
  put(100, "0000644");
  if (h.base256_uid) {
    block[108] = '\x80';
    for (int i = 0; i < 7; ++i) block[109 + i] = static_cast<char>(h.uid >> (8 * (6 - i)));
  } else {
    put(108, fmt::format("{:07o}", h.uid));
  }
  put(116, fmt::format("{:07o}", h.gid));
  put(124, fmt::format("{:011o}", h.size));
  put(136, "14707034271");
  block[156] = h.type;
  put(257, h.gnu ? std::string_view("ustar  ")
                 : std::string_view("ustar\0"
                                    "00",
                                    8));
  put(148, "        ");
  unsigned sum = 0;
  for (const char c : block) sum += static_cast<unsigned char>(c);
  put(148, fmt::format("{:06o}", sum));
  block[154] = '\0';
  return block;
}

std::string Padded(std::string_view data) {
  std::string out(data);
  out.resize((out.size() + 511) / 512 * 512, '\0');
  return out;
}

// A header and its content, padded.
std::string Entry(RawHeader header, std::string_view content = "") {
  if (header.size == 0) header.size = std::ssize(content);
  return HeaderBlock(header) + Padded(content);
}

std::string PaxRecord(std::string_view key, std::string_view value) {
  const size_t rest = key.size() + value.size() + 3;  // ' ', '=', '\n'
  size_t length = rest + std::to_string(rest).size();
  length = rest + std::to_string(length).size();
  return fmt::format("{} {}={}\n", length, key, value);
}

// A PAX extended header ('x', or 'g' when global) carrying `records`.
std::string PaxHeader(std::string_view records, char type = 'x') {
  return Entry({.name = "PaxHeaders/x", .type = type}, records);
}

const std::string kEnd(1024, '\0');

// ---- Reading what the recorder wrote. ----

std::string Gunzip(std::string_view data) {
  z_stream z{};
  inflateInit2(&z, 15 + 32);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buffer[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - z.avail_out);
  }
  inflateEnd(&z);
  EXPECT_EQ(rc, Z_STREAM_END);
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Feeds `tar` in chunks of `chunk` bytes; the gzip'd JSON lines.
std::string Record(std::string_view tar, size_t chunk = 65536,
                   TarSplitRecorder* recorder = nullptr) {
  TarSplitRecorder own;
  TarSplitRecorder& r = recorder ? *recorder : own;
  for (size_t i = 0; i < tar.size(); i += chunk) r.Feed(tar.substr(i, chunk));
  absl::StatusOr<std::string> out = r.Finish();
  EXPECT_TRUE(out.ok()) << out.status();
  return out.value_or("");
}

std::vector<json> Lines(std::string_view tar_split) {
  std::vector<json> lines;
  std::istringstream text(Gunzip(tar_split));
  for (std::string line; std::getline(text, line);) lines.push_back(json::parse(line));
  return lines;
}

using Parts = std::vector<std::string>;

// The byte count of each segment's payload and the name of each file entry, in order:
// "512", "./etc/hello", ….
Parts PartsOf(const std::vector<json>& lines) {
  Parts shape;
  for (const json& line : lines) {
    if (line["type"] == 2) {
      shape.push_back(std::to_string(Base64Decode(line["payload"].get<std::string>())->size()));
    } else {
      shape.push_back(line.value("name", ""));
    }
  }
  return shape;
}

class TarSplitTest : public ::testing::Test {
 protected:
  // RebuildTar from `tar_split` with `files` (name → content) written under a fresh diff dir.
  absl::StatusOr<std::string> Rebuild(const std::string& tar_split,
                                      const std::map<std::string, std::string>& files) {
    const std::string diff = dir_.Join("diff");
    fs::remove_all(diff);
    fs::create_directories(diff);
    for (const auto& [name, content] : files) dir_.WriteFile("diff/" + name, content);
    return RebuildTar(tar_split, diff);
  }

  testing::TempDir dir_;
};

TEST_F(TarSplitTest, MatchesTheTarSplitSkopeoWrote) {
  // A layer skopeo 1.9.3 pulled into a containers/storage store, and the tar-split it wrote.
  const std::string testdata = std::string(CRIO_SOURCE_DIR) + "/src/storage/testdata/";
  const std::string tar = Gunzip(ReadFile(testdata + "skopeo-layer.tar.gz"));
  ASSERT_EQ(tar.size(), 10240u);
  const std::string expected = Gunzip(ReadFile(testdata + "skopeo-layer.tar-split.gz"));
  ASSERT_FALSE(expected.empty());
  TarSplitRecorder recorder;
  EXPECT_EQ(Gunzip(Record(tar, 4096, &recorder)), expected);
  EXPECT_EQ(recorder.uids(), std::set<uint32_t>{0});
  EXPECT_EQ(recorder.gids(), std::set<uint32_t>{0});
}

TEST_F(TarSplitTest, FilesCarryGosCrc64AndSegmentsHoldTheRest) {
  const std::string tar =
      Entry({.name = "./", .type = '5'}) + Entry({.name = "./etc/hello"}, "hello\n") +
      Entry({.name = "./x"}, "x\n") + Entry({.name = "./empty"}) +
      Entry({.name = "./sh", .type = '2'}) + Entry({.name = "./hard", .type = '1'}) + kEnd;
  const std::string tar_split = Record(tar);
  const std::vector<json> lines = Lines(tar_split);
  EXPECT_EQ(PartsOf(lines), (Parts{"512", "./", "512", "./etc/hello", "1018", "./x", "1022",
                                   "./empty", "512", "./sh", "512", "./hard", "1024", "0"}));
  EXPECT_EQ(lines[3].dump(),
            R"({"name":"./etc/hello","payload":"YUw+7uLYEAA=","position":3,"size":6,"type":1})");
  EXPECT_EQ(lines[5]["payload"], "YVMQAAAAAAA=");
  for (int i : {1, 7, 9, 11}) {
    EXPECT_TRUE(lines[i]["payload"].is_null()) << i;
    EXPECT_FALSE(lines[i].contains("size")) << i;
  }
  for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i]["position"], i);
  EXPECT_EQ(Rebuild(tar_split, {{"etc/hello", "hello\n"}, {"x", "x\n"}}).value_or(""), tar);
}

TEST_F(TarSplitTest, FieldsAreWrittenInGosOrderWithGosEscapes) {
  const std::string tar = Entry({.name = "a<&>\"\\\n\t\x01\xe2\x80\xa8"}, "hello\n") + kEnd;
  const std::string text = Gunzip(Record(tar));
  EXPECT_NE(text.find(R"({"type":1,"name":"a\u003c\u0026\u003e\"\\\n\t\u0001\u2028","size":6,)"
                      R"("payload":"YUw+7uLYEAA=","position":1})"
                      "\n"),
            std::string::npos)
      << text;
  EXPECT_TRUE(text.ends_with(R"({"type":2,"payload":"","position":3})"
                             "\n"));
}

TEST_F(TarSplitTest, NamesThatAreNotUtf8GoToNameRaw) {
  const std::string name = "caf\xe9";
  const std::string tar = Entry({.name = name}, "latin-1\n") + kEnd;
  const std::string tar_split = Record(tar);
  const std::vector<json> lines = Lines(tar_split);
  EXPECT_FALSE(lines[1].contains("name"));
  EXPECT_EQ(lines[1]["name_raw"], Base64Encode(name));
  EXPECT_EQ(Rebuild(tar_split, {{name, "latin-1\n"}}).value_or(""), tar);
}

TEST_F(TarSplitTest, GnuLongNamesAndLinksJoinTheEntrysSegment) {
  const std::string long_name = "./" + std::string(150, 'n');
  const std::string long_link = std::string(120, 'l');
  const std::string tar =
      Entry({.name = "././@LongLink", .type = 'L', .gnu = true}, long_name + '\0') +
      Entry({.name = long_name.substr(0, 100), .gnu = true}, "content") +
      Entry({.name = "././@LongLink", .type = 'K', .gnu = true}, long_link + '\0') +
      Entry({.name = "short", .type = '2', .gnu = true}) + kEnd;
  const std::string tar_split = Record(tar);
  EXPECT_EQ(PartsOf(Lines(tar_split)), (Parts{"1536", long_name, "2041", "short", "1024", "0"}));
  EXPECT_EQ(Rebuild(tar_split, {{long_name, "content"}}).value_or(""), tar);
}

TEST_F(TarSplitTest, PaxRecordsOverrideNameSizeAndOwner) {
  // The size field says 0; the PAX record says 5, and 5 bytes of content follow.
  const std::string long_name = std::string(80, 'd') + "/" + std::string(80, 'f');
  const std::string tar = PaxHeader(PaxRecord("path", long_name) + PaxRecord("size", "5") +
                                    PaxRecord("uid", "70000") + PaxRecord("gid", "")) +
                          HeaderBlock({.name = "truncated", .size = 0, .uid = 1}) +
                          Padded("12345") + kEnd;
  TarSplitRecorder recorder;
  const std::string tar_split = Record(tar, 65536, &recorder);
  const std::vector<json> lines = Lines(tar_split);
  EXPECT_EQ(PartsOf(lines), (Parts{"1536", long_name, "1531", "0"}));
  EXPECT_EQ(lines[1]["size"], 5);
  EXPECT_EQ(recorder.uids(), std::set<uint32_t>{70000});
  EXPECT_EQ(Rebuild(tar_split, {{long_name, "12345"}}).value_or(""), tar);
}

TEST_F(TarSplitTest, AGlobalHeaderIsAnEntryOfItsOwn) {
  const std::string tar = PaxHeader(PaxRecord("comment", "hi"), 'g') +
                          Entry({.name = "f", .uid = 5, .gid = 6}, "data") + kEnd;
  TarSplitRecorder recorder;
  const std::string tar_split = Record(tar, 65536, &recorder);
  EXPECT_EQ(PartsOf(Lines(tar_split)), (Parts{"526", "PaxHeaders/x", "1010", "f", "1532", "0"}));
  // Go's reader hands the global header over with owner 0, and containers/storage counts it.
  EXPECT_EQ(recorder.uids(), (std::set<uint32_t>{0, 5}));
  EXPECT_EQ(recorder.gids(), (std::set<uint32_t>{0, 6}));
  EXPECT_EQ(Rebuild(tar_split, {{"f", "data"}}).value_or(""), tar);
}

TEST_F(TarSplitTest, OwnersComeFromHeadersAndLeaveWhiteoutsOut) {
  const std::string tar =
      Entry({.name = "a", .uid = 1000, .gid = 100}) +
      Entry({.name = "b", .uid = 3000000000, .gid = 7, .gnu = true, .base256_uid = true}) +
      Entry({.name = "dir/.wh.gone", .uid = 555, .gid = 555}) +
      Entry({.name = "dir/.wh..wh..opq", .uid = 556, .gid = 556}) + kEnd;
  TarSplitRecorder recorder;
  Record(tar, 65536, &recorder);
  EXPECT_EQ(recorder.uids(), (std::set<uint32_t>{1000, 3000000000}));
  EXPECT_EQ(recorder.gids(), (std::set<uint32_t>{7, 100}));
}

TEST_F(TarSplitTest, DirectoriesAndLinksHaveNoContentWhateverTheirSizeField) {
  const std::string tar = HeaderBlock({.name = "d/", .type = '5', .size = 100}) +
                          HeaderBlock({.name = "old-dir/", .type = '\0', .size = 100}) +
                          Entry({.name = "f"}, "x") + kEnd;
  const std::vector<json> lines = Lines(Record(tar));
  EXPECT_EQ(PartsOf(lines), (Parts{"512", "d/", "512", "old-dir/", "512", "f", "1535", "0"}));
  EXPECT_FALSE(lines[1].contains("size"));
  EXPECT_FALSE(lines[3].contains("size"));
}

TEST_F(TarSplitTest, WhatFollowsTheEndIsKeptInChunks) {
  // A tar padded to a 10240-byte record, then more zeros than one chunk holds.
  std::string tar = Entry({.name = "f"}, "x") + kEnd;
  tar.resize(10240, '\0');
  EXPECT_EQ(PartsOf(Lines(Record(tar))), (Parts{"512", "f", "1535", "8192", "0"}));
  tar.resize(10240 + (3 << 20) / 2, '\0');
  EXPECT_EQ(PartsOf(Lines(Record(tar, 7000))),
            (Parts{"512", "f", "1535", "1048576", std::to_string(8192 + (1 << 19)), "0"}));
}

TEST_F(TarSplitTest, AStreamWithoutAnEndOrWithNothingIsKept) {
  EXPECT_EQ(PartsOf(Lines(Record(""))), (Parts{"0"}));
  EXPECT_EQ(PartsOf(Lines(Record(Entry({.name = "f"}, "x")))), (Parts{"512", "f", "511", "0"}));
  const std::string one_zero_block = Entry({.name = "f"}, "x") + std::string(512, '\0');
  EXPECT_EQ(PartsOf(Lines(Record(one_zero_block))), (Parts{"512", "f", "1023", "0"}));
}

TEST_F(TarSplitTest, ChunkSizeDoesNotChangeTheRecord) {
  const std::string tar =
      PaxHeader(PaxRecord("path", std::string(130, 'p'))) + Entry({.name = "p"}, "pax\n") +
      Entry({.name = "././@LongLink", .type = 'L', .gnu = true}, std::string(140, 'g') + '\0') +
      Entry({.name = "g", .gnu = true}, std::string(1000, 'G')) + Entry({.name = "e"}) +
      Entry({.name = "d/", .type = '5'}) + kEnd + std::string(9000, '\0');
  const std::string whole = Gunzip(Record(tar, tar.size()));
  EXPECT_EQ(Gunzip(Record(tar, 1)), whole);
  EXPECT_EQ(Gunzip(Record(tar, 7)), whole);
  EXPECT_EQ(Gunzip(Record(tar, 511)), whole);
}

TEST_F(TarSplitTest, LongChainsOfHeadersAreWrittenOutAsTheyGrow) {
  // Six PAX headers of 1 MiB each before one entry: Go keeps them in one segment; we write
  // them out every 4 MiB so memory stays bounded.
  const std::string records = PaxRecord("comment", std::string((1 << 20) - 20, 'c'));
  std::string tar;
  for (int i = 0; i < 6; ++i) tar += PaxHeader(records);
  tar += Entry({.name = "f"}, "x") + kEnd;
  const std::string tar_split = Record(tar, 65536);
  const Parts parts = PartsOf(Lines(tar_split));
  ASSERT_EQ(parts.size(), 5u);
  EXPECT_GE(std::stoul(parts[0]), 4u << 20);
  EXPECT_LT(std::stoul(parts[0]), (4u << 20) + 65536);
  EXPECT_EQ(parts[2], "f");
  EXPECT_EQ(Rebuild(tar_split, {{"f", "x"}}).value_or(""), tar);
}

TEST_F(TarSplitTest, PastAHeaderItCannotParseTheRestIsRaw) {
  std::string bad = HeaderBlock({.name = "bad"});
  bad[148] = '9';  // the checksum no longer parses
  for (const std::string& garbage :
       {bad, Entry({.name = "sparse", .type = 'S', .gnu = true}, "holes"),
        PaxHeader(PaxRecord("GNU.sparse.major", "1") + PaxRecord("GNU.sparse.minor", "0")),
        PaxHeader("12 no equals\n"), std::string(512, '\0') + HeaderBlock({.name = "x"})}) {
    const std::string tar =
        Entry({.name = "ok"}, "fine") + garbage + Entry({.name = "later"}, "z") + kEnd;
    const std::string tar_split = Record(tar, 100);
    EXPECT_EQ(PartsOf(Lines(tar_split))[1], "ok");
    EXPECT_EQ(Lines(tar_split).size(), 4u);  // segment, ok, the rest raw, the empty one
    EXPECT_EQ(Rebuild(tar_split, {{"ok", "fine"}}).value_or(""), tar);
  }
}

TEST_F(TarSplitTest, AStreamEndingInsideContentCannotBeRecorded) {
  TarSplitRecorder recorder;
  recorder.Feed(Entry({.name = "f"}, "content").substr(0, 515));
  EXPECT_EQ(recorder.Finish().status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(TarSplitTest, RebuildChecksEachFilesContent) {
  const std::string tar = Entry({.name = "./etc/hello"}, "hello\n") + kEnd;
  const std::string tar_split = Record(tar);
  EXPECT_EQ(Rebuild(tar_split, {{"etc/hello", "HELLO\n"}}).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(Rebuild(tar_split, {{"etc/hello", "hello\nmore"}}).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(Rebuild(tar_split, {}).status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(Rebuild("not gzip", {}).ok());
}

// Unpacks `tar` with the layer unpacker while recording it; RebuildTar from the unpacked files
// gives back the same bytes.
void ExpectRoundTrip(const testing::TempDir& dir, const std::string& tar) {
  const std::string target = dir.Join("unpacked");
  fs::remove_all(target);
  fs::create_directories(target);
  TarSplitRecorder recorder;
  size_t offset = 0;
  const LayerReader read = [&](char* buffer, size_t size) -> absl::StatusOr<size_t> {
    const size_t n = std::min({size, tar.size() - offset, size_t{3000}});
    recorder.Feed(std::string_view(tar).substr(offset, n));
    std::copy_n(tar.data() + offset, n, buffer);
    offset += n;
    return n;
  };
  const absl::StatusOr<UnpackStats> stats = UnpackLayerFrom(read, Compression::kNone, target);
  ASSERT_TRUE(stats.ok()) << stats.status();
  absl::StatusOr<std::string> tar_split = recorder.Finish();
  ASSERT_TRUE(tar_split.ok()) << tar_split.status();
  absl::StatusOr<std::string> rebuilt = RebuildTar(*tar_split, target);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  EXPECT_TRUE(*rebuilt == tar) << "rebuilt " << rebuilt->size() << " bytes of " << tar.size();
}

TEST_F(TarSplitTest, RoundTripThroughTheUnpackerWithLibarchiveTars) {
  const std::string long_dir = "./" + std::string(120, 'd') + "/";
  ExpectRoundTrip(dir_, testing::BuildTar(
                            {{.name = "./bin/", .type = testing::kTarDir, .mode = 0755},
                             {.name = "./bin/busybox", .content = std::string(70000, 'b')},
                             {.name = "./bin/sh", .type = testing::kTarSymlink, .link = "busybox"},
                             {.name = "./bin/ls", .link = "./bin/busybox", .hardlink = true},
                             {.name = "./empty", .content = ""},
                             {.name = long_dir, .type = testing::kTarDir, .mode = 0755},
                             {.name = long_dir + std::string(120, 'f'), .content = "deep\n"},
                             {.name = "./.wh.gone", .content = ""}},
                            testing::Compression::kNone));
}

TEST_F(TarSplitTest, RoundTripThroughTheUnpackerWithGnuTarArchives) {
  if (testing::RunCommand({"tar", "--version"}).exit_code != 0) GTEST_SKIP() << "no tar to run";
  const std::string tree = dir_.Join("tree");
  const std::string long_name = std::string(150, 'n');
  dir_.WriteFile("tree/etc/hello", "hello\n");
  dir_.WriteFile("tree/" + long_name + "/" + long_name, std::string(5000, 'L'));
  dir_.WriteFile("tree/empty", "");
  fs::create_symlink("etc/hello", tree + "/link");
  fs::create_hard_link(tree + "/etc/hello", tree + "/hard");
  for (const char* format : {"gnu", "pax", "ustar"}) {
    const std::string archive = dir_.Join(fmt::format("{}.tar", format));
    std::vector<std::string> argv = {
        "tar", fmt::format("--format={}", format), "-cf", archive, "-C", tree, "."};
    if (std::string_view(format) == "ustar") argv.back() = "etc";  // ustar has no long names
    const testing::RunResult result = testing::RunCommand(argv);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    SCOPED_TRACE(format);
    ExpectRoundTrip(dir_, ReadFile(archive));
  }
}

}  // namespace
}  // namespace crio::storage
