#include "storage/tar_split.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <climits>
#include <optional>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "common/base64.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "storage/tar_header.h"
#include "sys/resolve.h"
#include "sys/unique_fd.h"

namespace crio::storage {
namespace {

// Go's archive/tar refuses PAX and GNU long-name data longer than this.
constexpr int64_t kMaxRecordsSize = 1 << 20;
// What follows the archive's end (or what we cannot parse) is cut into segments of at most
// this, as Go's tar-split cuts the stream's tail.
constexpr size_t kMaxChunk = 1 << 20;
// Raw bytes between two entries (a chain of PAX or GNU headers) are written out once they
// pass this, so memory stays bounded whatever the stream holds.
constexpr size_t kMaxPending = 4 << 20;

constexpr std::array<uint64_t, 256> MakeCrc64IsoTable() {
  std::array<uint64_t, 256> table{};
  for (uint64_t i = 0; i < 256; ++i) {
    uint64_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ 0xD800000000000000 : crc >> 1;
    table[i] = crc;
  }
  return table;
}
constexpr std::array<uint64_t, 256> kCrc64IsoTable = MakeCrc64IsoTable();

// CRC-64 with the ISO polynomial, as Go's hash/crc64 computes it with crc64.MakeTable(crc64.ISO):
// what tar-split stores to check each file's content.
class Crc64 {
 public:
  void Update(std::string_view data) {
    for (const char c : data) {
      state_ = kCrc64IsoTable[(state_ ^ static_cast<unsigned char>(c)) & 0xff] ^ (state_ >> 8);
    }
  }
  // The checksum's 8 bytes, big-endian, as Go's Sum appends them.
  std::string Sum() const {
    const uint64_t crc = ~state_;
    std::string bytes(8, '\0');
    for (size_t i = 0; i < 8; ++i) bytes[i] = static_cast<char>(crc >> (56 - 8 * i));
    return bytes;
  }

 private:
  uint64_t state_ = ~uint64_t{0};
};

// One gzip member, compressed as its input arrives.
class GzipWriter {
 public:
  GzipWriter() {
    // Fastest level, as containers/storage writes its tar-split files.
    ok_ = deflateInit2(&z_, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~GzipWriter() { deflateEnd(&z_); }
  GzipWriter(const GzipWriter&) = delete;
  GzipWriter& operator=(const GzipWriter&) = delete;

  void Write(std::string_view data) { Deflate(data, Z_NO_FLUSH); }
  absl::StatusOr<std::string> Finish() {
    Deflate({}, Z_FINISH);
    if (!ok_) return absl::InternalError("compress the tar-split data");
    return std::move(out_);
  }

 private:
  // REQUIRES: `data` fits a uInt (callers write lines of a few MiB at most).
  void Deflate(std::string_view data, int flush) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z_.avail_in = static_cast<uInt>(data.size());
    char buffer[16384];
    do {
      z_.next_out = reinterpret_cast<Bytef*>(buffer);
      z_.avail_out = sizeof buffer;
      if (ok_ && deflate(&z_, flush) == Z_STREAM_ERROR) ok_ = false;
      out_.append(buffer, sizeof buffer - z_.avail_out);
    } while (ok_ && z_.avail_out == 0);
  }

  z_stream z_{};
  bool ok_ = false;
  std::string out_;
};

// The gzip data `data` (one member or several) decompressed.
absl::StatusOr<std::string> Gunzip(std::string_view data) {
  if (data.size() > UINT_MAX) return absl::InvalidArgumentError("the tar-split data is too large");
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) return absl::InternalError("set up gzip decompression");
  absl::Cleanup end = [&z] { inflateEnd(&z); };
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buffer[65536];
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    const int rc = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - z.avail_out);
    if (rc == Z_STREAM_END && z.avail_in == 0) return out;
    if (rc == Z_STREAM_END) {
      inflateReset(&z);  // another member follows
    } else if (rc != Z_OK) {
      return absl::InvalidArgumentError("the tar-split data is not whole gzip data");
    }
  }
}

// Whether `text` is UTF-8 as Go's utf8.ValidString judges it: shortest forms only, no
// surrogates, nothing past U+10FFFF.
bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const auto byte = [&](size_t at) { return static_cast<unsigned char>(text[at]); };
    const unsigned char lead = byte(i);
    const size_t length = lead < 0x80   ? 1
                          : lead < 0xc2 ? 0
                          : lead < 0xe0 ? 2
                          : lead < 0xf0 ? 3
                          : lead < 0xf5 ? 4
                                        : 0;
    if (length == 0 || i + length > text.size()) return false;
    // The second byte's range narrows after E0, ED, F0 and F4.
    const unsigned char low = lead == 0xe0 ? 0xa0 : lead == 0xf0 ? 0x90 : 0x80;
    const unsigned char high = lead == 0xed ? 0x9f : lead == 0xf4 ? 0x8f : 0xbf;
    for (size_t k = 1; k < length; ++k) {
      const unsigned char c = byte(i + k);
      if (k == 1 ? (c < low || c > high) : (c < 0x80 || c > 0xbf)) return false;
    }
    i += length;
  }
  return true;
}

// Appends `text` (valid UTF-8) as a JSON string the way Go's json.Encoder writes it: with HTML
// escaping on (<, > and & as \u003c…), U+2028 and U+2029 escaped, control characters as Go 1.22
// and later write them. nlohmann's writer escapes differently, hence this.
void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (const size_t short_escape = std::string_view("\"\\\b\f\n\r\t").find(c);
        short_escape != std::string_view::npos) {
      out += '\\';
      out += "\"\\bfnrt"[short_escape];
      continue;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || c == '<' || c == '>' || c == '&') {
      out += fmt::format("\\u{:04x}", u);
    } else if (text.substr(i, 3) == "\xe2\x80\xa8" || text.substr(i, 3) == "\xe2\x80\xa9") {
      out += text[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  out += '"';
}

// Whether containers/storage leaves the entry out of the layer's uid and gid sets: Go's
// path.Base of its name starts with ".wh." (a whiteout or an opaque marker).
bool IsWhiteout(std::string_view name) {
  while (name.size() > 1 && name.ends_with('/')) name.remove_suffix(1);
  const size_t slash = name.rfind('/');
  return name.substr(slash == std::string_view::npos ? 0 : slash + 1).starts_with(".wh.");
}

// Whether Go's reader would hand the entry's content through a sparse map: we keep such
// entries' bytes as they are instead.
bool IsSparse(const TarHeader& header, const PaxRecords& records) {
  if (header.type == 'S') return true;
  const auto it = records.lower_bound("GNU.sparse.");
  return it != records.end() && it->first.starts_with("GNU.sparse.");
}

int64_t BlockPadding(int64_t size) {
  return (static_cast<int64_t>(kTarBlockSize) - size % static_cast<int64_t>(kTarBlockSize)) %
         static_cast<int64_t>(kTarBlockSize);
}

// Where the recorder is in the tar stream.
enum class Phase {
  kHeader,      // gathering a header block
  kSecondZero,  // gathering the block after a zero block: a second zero block ends the archive
  kRecords,     // the data of a PAX ('x', 'g') or GNU long-name ('L', 'K') header
  kContent,     // an entry's content: CRC'd, never kept
  kPadding,     // up to the next block boundary
  kTrailer,     // after the end-of-archive marker
  kOpaque,      // past a header we could not parse: kept as raw segments
};

}  // namespace

struct TarSplitRecorder::State {
  GzipWriter out;  // the JSON lines
  int64_t position = 0;
  Phase phase = Phase::kHeader;
  std::string pending;    // raw bytes not yet written as a segment
  std::string block;      // the header block being gathered
  int64_t remaining = 0;  // bytes left in kRecords, kContent or kPadding
  TarHeader header;       // whose records or content are being read
  std::string records;    // the data of a PAX or GNU header
  PaxRecords pax;         // of the last 'x' header, for the next entry
  std::string long_name;  // of the last 'L' header, for the next entry
  Crc64 crc;
  std::set<uint32_t> uids;
  std::set<uint32_t> gids;
  bool finished = false;

  void Feed(std::string_view bytes);
  size_t Step(std::string_view bytes);
  size_t TakeBlock(std::string_view bytes);
  size_t TakeRecords(std::string_view bytes);
  size_t TakeContent(std::string_view bytes);
  size_t TakePadding(std::string_view bytes);
  size_t TakeRaw(std::string_view bytes);
  void OnBlock();
  void StartRecords(TarHeader parsed);
  void OnRecords();
  bool OnGlobalHeader();
  void OnEntry(TarHeader entry);
  void StartPadding(int64_t size);
  void RecordIds(std::string_view name, int64_t uid, int64_t gid);
  void FlushPending();
  void WriteSegment(std::string_view bytes);
  void WriteFileEntry(std::string_view name, int64_t size, const std::string* checksum);
  void WriteLine(std::string& line);
  absl::StatusOr<std::string> Finish();
};

void TarSplitRecorder::State::Feed(std::string_view bytes) {
  if (finished) return;
  while (!bytes.empty()) {
    bytes.remove_prefix(Step(bytes));
    if (pending.size() >= kMaxPending) FlushPending();
  }
}

// Consumes a prefix of `bytes` (at least one byte) according to the phase.
size_t TarSplitRecorder::State::Step(std::string_view bytes) {
  switch (phase) {
    case Phase::kHeader:
    case Phase::kSecondZero:
      return TakeBlock(bytes);
    case Phase::kRecords:
      return TakeRecords(bytes);
    case Phase::kContent:
      return TakeContent(bytes);
    case Phase::kPadding:
      return TakePadding(bytes);
    case Phase::kTrailer:
    case Phase::kOpaque:
      return TakeRaw(bytes);
  }
  return bytes.size();
}

size_t TarSplitRecorder::State::TakeBlock(std::string_view bytes) {
  const size_t n = std::min(bytes.size(), kTarBlockSize - block.size());
  block.append(bytes.substr(0, n));
  pending.append(bytes.substr(0, n));
  if (block.size() == kTarBlockSize) OnBlock();
  return n;
}

// A whole header block has arrived (it is in `pending` too).
void TarSplitRecorder::State::OnBlock() {
  const bool zero = block.find_first_not_of('\0') == std::string::npos;
  std::optional<TarHeader> parsed;
  if (!zero && phase == Phase::kHeader) parsed = ParseTarHeader(block);
  block.clear();
  if (zero && phase == Phase::kHeader) {
    phase = Phase::kSecondZero;
  } else if (zero) {
    // The end-of-archive marker ends the segment, as Go's reader returns io.EOF there.
    FlushPending();
    phase = Phase::kTrailer;
  } else if (!parsed || (parsed->size < 0 && !IsHeaderOnlyTarType(parsed->type))) {
    phase = Phase::kOpaque;  // including a zero block followed by a non-zero one
  } else if (std::string_view("xgLK").find(parsed->type) != std::string_view::npos) {
    StartRecords(std::move(*parsed));
  } else {
    OnEntry(std::move(*parsed));
  }
}

void TarSplitRecorder::State::StartRecords(TarHeader parsed) {
  if (parsed.size > kMaxRecordsSize) {
    phase = Phase::kOpaque;
    return;
  }
  header = std::move(parsed);
  records.clear();
  remaining = header.size;
  phase = Phase::kRecords;
  if (remaining == 0) OnRecords();
}

size_t TarSplitRecorder::State::TakeRecords(std::string_view bytes) {
  const size_t n = static_cast<size_t>(std::min<int64_t>(std::ssize(bytes), remaining));
  records.append(bytes.substr(0, n));
  pending.append(bytes.substr(0, n));
  remaining -= static_cast<int64_t>(n);
  if (remaining == 0) OnRecords();
  return n;
}

// The data of a PAX or GNU header has arrived: keep what it says for the next entry.
void TarSplitRecorder::State::OnRecords() {
  bool ok = true;
  if (header.type == 'L') long_name = TarString(records);
  if (header.type == 'x') {
    std::optional<PaxRecords> parsed = ParsePaxRecords(records);
    ok = parsed.has_value();
    if (ok) pax = std::move(*parsed);  // a second 'x' header replaces the first's records
  }
  if (header.type == 'g') ok = OnGlobalHeader();
  records = std::string();
  if (!ok) {
    phase = Phase::kOpaque;
    return;
  }
  StartPadding(header.size);
}

// Go's archive/tar hands a PAX global header to tar-split as an entry of its own, named by its
// header (or its "path" record), without content or owner; what came before it for the next
// entry is dropped.
bool TarSplitRecorder::State::OnGlobalHeader() {
  std::optional<PaxRecords> parsed = ParsePaxRecords(records);
  TarHeader entry{.type = 'g', .name = header.name};
  if (!parsed || !MergePaxRecords(*parsed, entry)) return false;
  pax.clear();
  long_name.clear();
  RecordIds(entry.name, 0, 0);
  FlushPending();
  WriteFileEntry(entry.name, 0, nullptr);
  return true;
}

// A header that describes a file, a directory, a link or a device: write the segment up to
// here, then its file entry (now when it has no content, else once the content is CRC'd).
void TarSplitRecorder::State::OnEntry(TarHeader entry) {
  if (!MergePaxRecords(pax, entry) || IsSparse(entry, pax)) {
    phase = Phase::kOpaque;
    return;
  }
  if (!long_name.empty()) entry.name = long_name;
  if (entry.type == '\0') entry.type = entry.name.ends_with('/') ? '5' : '0';  // old archives
  // Go leaves a header-only entry's size as its header says; tar-split then records a size
  // whose content it cannot read back. We record none: it has no content.
  const int64_t content = IsHeaderOnlyTarType(entry.type) ? 0 : entry.size;
  if (content < 0) {
    phase = Phase::kOpaque;
    return;
  }
  pax.clear();
  long_name.clear();
  RecordIds(entry.name, entry.uid, entry.gid);
  FlushPending();
  if (content == 0) {
    WriteFileEntry(entry.name, 0, nullptr);
    phase = Phase::kHeader;
    return;
  }
  header = std::move(entry);
  header.size = content;
  crc = Crc64();
  remaining = content;
  phase = Phase::kContent;
}

size_t TarSplitRecorder::State::TakeContent(std::string_view bytes) {
  const size_t n = static_cast<size_t>(std::min<int64_t>(std::ssize(bytes), remaining));
  crc.Update(bytes.substr(0, n));
  remaining -= static_cast<int64_t>(n);
  if (remaining == 0) {
    const std::string checksum = crc.Sum();
    WriteFileEntry(header.name, header.size, &checksum);
    StartPadding(header.size);
  }
  return n;
}

void TarSplitRecorder::State::StartPadding(int64_t size) {
  remaining = BlockPadding(size);
  phase = remaining > 0 ? Phase::kPadding : Phase::kHeader;
}

size_t TarSplitRecorder::State::TakePadding(std::string_view bytes) {
  const size_t n = static_cast<size_t>(std::min<int64_t>(std::ssize(bytes), remaining));
  pending.append(bytes.substr(0, n));
  remaining -= static_cast<int64_t>(n);
  if (remaining == 0) phase = Phase::kHeader;
  return n;
}

// After the archive's end, or past what we cannot parse: raw segments of at most kMaxChunk.
size_t TarSplitRecorder::State::TakeRaw(std::string_view bytes) {
  if (pending.size() >= kMaxChunk) FlushPending();
  const size_t n = std::min(bytes.size(), kMaxChunk - pending.size());
  pending.append(bytes.substr(0, n));
  if (pending.size() == kMaxChunk) FlushPending();
  return n;
}

// As containers/storage counts owners: Go's int cast to uint32, whiteouts left out.
void TarSplitRecorder::State::RecordIds(std::string_view name, int64_t uid, int64_t gid) {
  if (IsWhiteout(name)) return;
  uids.insert(static_cast<uint32_t>(uid));
  gids.insert(static_cast<uint32_t>(gid));
}

void TarSplitRecorder::State::FlushPending() {
  if (pending.empty()) return;
  WriteSegment(pending);
  pending.clear();
}

void TarSplitRecorder::State::WriteSegment(std::string_view bytes) {
  std::string line = R"({"type":2,"payload":")";
  line += Base64Encode(bytes);
  line += '"';
  WriteLine(line);
}

// A file entry as tar-split's JSON packer writes it: a name that is not UTF-8 goes to
// "name_raw" (base64), an empty one and a zero size are left out, no checksum is null.
void TarSplitRecorder::State::WriteFileEntry(std::string_view name, int64_t size,
                                             const std::string* checksum) {
  std::string line = R"({"type":1)";
  if (!IsValidUtf8(name)) {
    line += R"(,"name_raw":")" + Base64Encode(name) + '"';
  } else if (!name.empty()) {
    line += R"(,"name":)";
    AppendJsonString(line, name);
  }
  if (size != 0) line += fmt::format(R"(,"size":{})", size);
  line += R"(,"payload":)";
  line += checksum == nullptr ? std::string("null") : '"' + Base64Encode(*checksum) + '"';
  WriteLine(line);
}

void TarSplitRecorder::State::WriteLine(std::string& line) {
  line += fmt::format(",\"position\":{}}}\n", position++);
  out.Write(line);
}

absl::StatusOr<std::string> TarSplitRecorder::State::Finish() {
  if (finished) return absl::FailedPreconditionError("the tar-split recorder already finished");
  finished = true;
  if (phase == Phase::kContent) {
    return absl::InvalidArgumentError(
        fmt::format("the tar stream ends inside the content of {}", header.name));
  }
  FlushPending();
  // Go's tar-split ends with the empty read that met the stream's end.
  WriteSegment("");
  return out.Finish();
}

TarSplitRecorder::TarSplitRecorder() : state_(std::make_unique<State>()) {}
TarSplitRecorder::~TarSplitRecorder() = default;

void TarSplitRecorder::Feed(std::string_view bytes) { state_->Feed(bytes); }
absl::StatusOr<std::string> TarSplitRecorder::Finish() { return state_->Finish(); }
const std::set<uint32_t>& TarSplitRecorder::uids() const { return state_->uids; }
const std::set<uint32_t>& TarSplitRecorder::gids() const { return state_->gids; }

namespace {

// One JSON line of a tar-split file, read back.
struct SplitEntry {
  int64_t type = 0;
  std::string name;
  int64_t size = 0;
  std::optional<std::string> payload;  // decoded; nullopt for null
  int64_t position = 0;
};

absl::StatusOr<SplitEntry> ParseSplitEntry(std::string_view line) {
  const nlohmann::json json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  const auto integer = [&json](const char* key) -> std::optional<int64_t> {
    const auto it = json.find(key);
    if (it == json.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<int64_t>();
  };
  const auto base64 = [&json](const char* key) -> std::optional<std::string> {
    const auto it = json.find(key);
    if (it == json.end() || !it->is_string()) return std::nullopt;
    return Base64Decode(it->get<std::string>());
  };
  const auto invalid = [line] {
    return absl::InvalidArgumentError(fmt::format("bad tar-split entry {:.200}", line));
  };
  if (!json.is_object()) return invalid();
  SplitEntry entry{.type = integer("type").value_or(0),
                   .size = integer("size").value_or(0),
                   .position = integer("position").value_or(-1)};
  if (const auto name = json.find("name"); name != json.end() && name->is_string()) {
    entry.name = name->get<std::string>();
  }
  if (json.contains("name_raw")) {
    std::optional<std::string> raw = base64("name_raw");
    if (!raw) return invalid();
    entry.name = std::move(*raw);
  }
  const auto payload = json.find("payload");
  if (payload == json.end() || !(payload->is_null() || payload->is_string())) return invalid();
  if (payload->is_string()) {
    entry.payload = base64("payload");
    if (!entry.payload) return invalid();
  }
  if (entry.type != 1 && entry.type != 2) return invalid();
  return entry;
}

// A file's content is read and handed on in pieces of at most this.
constexpr size_t kContentPiece = 1 << 20;

}  // namespace

struct TarRebuilder::State {
  std::string lines;  // the tar-split's JSON lines
  size_t offset = 0;  // of the next line
  int64_t position = 0;
  sys::UniqueFd root;
  // The file entry whose content is being read: its file, the bytes still to come, their CRC.
  SplitEntry entry;
  sys::UniqueFd file;
  int64_t remaining = 0;
  Crc64 crc;
  std::string piece;  // what Next returned last

  absl::StatusOr<std::string_view> Next();
  absl::Status OpenContent(SplitEntry next);
  absl::StatusOr<std::string_view> NextContent();
  absl::Status FinishContent();
  absl::Status Mismatch() const {
    return absl::DataLossError(
        fmt::format("{} does not match its tar-split record ({} bytes, CRC-64 {})", entry.name,
                    entry.size, Base64Encode(entry.payload.value_or(""))));
  }
};

absl::StatusOr<std::string_view> TarRebuilder::State::Next() {
  if (file) return NextContent();
  while (offset < lines.size()) {
    const size_t end = std::min(lines.find('\n', offset), lines.size());
    const std::string_view line = std::string_view(lines).substr(offset, end - offset);
    offset = end + 1;
    if (line.empty()) continue;
    ASSIGN_OR_RETURN(SplitEntry next, ParseSplitEntry(line));
    if (next.position != position++) {
      return absl::InvalidArgumentError(fmt::format("tar-split entry at position {} is numbered {}",
                                                    position - 1, next.position));
    }
    if (next.type == 2) {
      piece = next.payload.value_or("");
      if (piece.empty()) continue;
      return std::string_view(piece);
    }
    if (next.size <= 0) continue;  // no content
    RETURN_IF_ERROR(OpenContent(std::move(next)));
    return NextContent();
  }
  return std::string_view();
}

absl::Status TarRebuilder::State::OpenContent(SplitEntry next) {
  entry = std::move(next);
  if (!entry.payload || entry.payload->size() != 8) {
    return absl::InvalidArgumentError(fmt::format("tar-split entry {} has no CRC-64", entry.name));
  }
  absl::StatusOr<sys::UniqueFd> opened = sys::OpenFileInRoot(root.get(), entry.name);
  if (!opened.ok()) return Annotate(opened.status(), "read back layer content");
  file = *std::move(opened);
  remaining = entry.size;
  crc = Crc64();
  return absl::OkStatus();
}

absl::StatusOr<std::string_view> TarRebuilder::State::NextContent() {
  piece.resize(static_cast<size_t>(std::min<int64_t>(remaining, kContentPiece)));
  ssize_t n = 0;
  do {
    n = ::read(file.get(), piece.data(), piece.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoToStatus(errno, fmt::format("read {}", entry.name));
  if (n == 0) return Mismatch();  // shorter than recorded
  piece.resize(static_cast<size_t>(n));
  crc.Update(piece);
  remaining -= n;
  if (remaining == 0) RETURN_IF_ERROR(FinishContent());
  return std::string_view(piece);
}

absl::Status TarRebuilder::State::FinishContent() {
  char extra = 0;
  ssize_t n = 0;
  do {
    n = ::read(file.get(), &extra, 1);
  } while (n < 0 && errno == EINTR);
  file.Reset();
  if (n > 0) {
    return absl::DataLossError(
        fmt::format("{} is larger than its {} bytes", entry.name, entry.size));
  }
  if (crc.Sum() != *entry.payload) return Mismatch();
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<TarRebuilder>> TarRebuilder::Open(std::string_view tar_split,
                                                                 const std::string& diff_dir) {
  auto state = std::make_unique<State>();
  ASSIGN_OR_RETURN(state->lines, Gunzip(tar_split));
  state->root = sys::UniqueFd(::open(diff_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!state->root) return ErrnoToStatus(errno, fmt::format("open {}", diff_dir));
  return std::unique_ptr<TarRebuilder>(new TarRebuilder(std::move(state)));
}

TarRebuilder::TarRebuilder(std::unique_ptr<State> state) : state_(std::move(state)) {}
TarRebuilder::~TarRebuilder() = default;

absl::StatusOr<std::string_view> TarRebuilder::Next() { return state_->Next(); }

absl::StatusOr<std::string> RebuildTar(std::string_view tar_split, const std::string& diff_dir) {
  ASSIGN_OR_RETURN(std::unique_ptr<TarRebuilder> rebuilder,
                   TarRebuilder::Open(tar_split, diff_dir));
  std::string tar;
  for (;;) {
    ASSIGN_OR_RETURN(const std::string_view piece, rebuilder->Next());
    if (piece.empty()) return tar;
    tar += piece;
  }
}

}  // namespace crio::storage
