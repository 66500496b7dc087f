#include "stream/spdy_frame.h"

#include <zlib.h>

#include <algorithm>

#include "common/strings.h"
#include "fmt/format.h"

namespace crio::stream::spdy {
namespace {

constexpr uint16_t kVersion = 3;
constexpr size_t kFrameHeader = 8;

enum ControlType : uint16_t {
  kSynStream = 1,
  kSynReply = 2,
  kRstStream = 3,
  kSettings = 4,
  kPing = 6,
  kGoAway = 7,
  kHeaders = 8,
  kWindowUpdate = 9,
};

constexpr uint32_t kStreamIdMask = 0x7fffffff;

void Put32(std::string& out, uint32_t value) {
  out.push_back(static_cast<char>(value >> 24));
  out.push_back(static_cast<char>(value >> 16));
  out.push_back(static_cast<char>(value >> 8));
  out.push_back(static_cast<char>(value));
}

uint32_t Get32(std::string_view in, size_t at) {
  const auto byte = [&](size_t i) {
    return static_cast<uint32_t>(static_cast<uint8_t>(in[at + i]));
  };
  return byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3);
}

std::string ControlFrame(uint16_t type, uint8_t flags, const std::string& payload) {
  std::string out;
  out.push_back(static_cast<char>(0x80 | (kVersion >> 8)));
  out.push_back(static_cast<char>(kVersion & 0xff));
  out.push_back(static_cast<char>(type >> 8));
  out.push_back(static_cast<char>(type & 0xff));
  Put32(out, static_cast<uint32_t>(flags) << 24 | static_cast<uint32_t>(payload.size()));
  return out + payload;
}

}  // namespace

const std::string& HeaderDictionary() {
  // The spec builds it from length-prefixed words followed by a run of plain text.
  static const std::string dictionary = [] {
    static constexpr const char* kWords[] = {"options",
                                             "head",
                                             "post",
                                             "put",
                                             "delete",
                                             "trace",
                                             "accept",
                                             "accept-charset",
                                             "accept-encoding",
                                             "accept-language",
                                             "accept-ranges",
                                             "age",
                                             "allow",
                                             "authorization",
                                             "cache-control",
                                             "connection",
                                             "content-base",
                                             "content-encoding",
                                             "content-language",
                                             "content-length",
                                             "content-location",
                                             "content-md5",
                                             "content-range",
                                             "content-type",
                                             "date",
                                             "etag",
                                             "expect",
                                             "expires",
                                             "from",
                                             "host",
                                             "if-match",
                                             "if-modified-since",
                                             "if-none-match",
                                             "if-range",
                                             "if-unmodified-since",
                                             "last-modified",
                                             "location",
                                             "max-forwards",
                                             "pragma",
                                             "proxy-authenticate",
                                             "proxy-authorization",
                                             "range",
                                             "referer",
                                             "retry-after",
                                             "server",
                                             "te",
                                             "trailer",
                                             "transfer-encoding",
                                             "upgrade",
                                             "user-agent",
                                             "vary",
                                             "via",
                                             "warning",
                                             "www-authenticate",
                                             "method",
                                             "get",
                                             "status",
                                             "200 OK",
                                             "version",
                                             "HTTP/1.1",
                                             "url",
                                             "public",
                                             "set-cookie",
                                             "keep-alive",
                                             "origin"};
    std::string out;
    for (std::string_view word : kWords) {
      Put32(out, static_cast<uint32_t>(word.size()));
      out.append(word);
    }
    out +=
        "100101201202205206300302303304305306307402405406407408409410411412413414415416417502"
        "504505203 Non-Authoritative Information204 No Content301 Moved Permanently"
        "400 Bad Request401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error"
        "501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct "
        "Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,"
        "image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
        "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8"
        "charset=iso-8859-1,utf-,*,enq=0.";
    return out;
  }();
  return dictionary;
}

std::string HeaderValue(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

struct FrameCodec::Zlib {
  z_stream deflate{};
  z_stream inflate{};
  bool inflate_primed = false;
};

FrameCodec::FrameCodec() : zlib_(std::make_unique<Zlib>()) {
  deflateInit(&zlib_->deflate, Z_DEFAULT_COMPRESSION);
  const std::string& dictionary = HeaderDictionary();
  deflateSetDictionary(&zlib_->deflate, reinterpret_cast<const Bytef*>(dictionary.data()),
                       static_cast<uInt>(dictionary.size()));
  inflateInit(&zlib_->inflate);
}

FrameCodec::~FrameCodec() {
  deflateEnd(&zlib_->deflate);
  inflateEnd(&zlib_->inflate);
}

std::string FrameCodec::CompressHeaders(const Headers& headers) {
  std::string plain;
  Put32(plain, static_cast<uint32_t>(headers.size()));
  for (const auto& [name, value] : headers) {
    Put32(plain, static_cast<uint32_t>(name.size()));
    plain += ToLower(name);
    Put32(plain, static_cast<uint32_t>(value.size()));
    plain += value;
  }
  std::string out;
  z_stream& z = zlib_->deflate;
  z.next_in = reinterpret_cast<Bytef*>(plain.data());
  z.avail_in = static_cast<uInt>(plain.size());
  char chunk[4096];
  do {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    deflate(&z, Z_SYNC_FLUSH);
    out.append(chunk, sizeof chunk - z.avail_out);
  } while (z.avail_out == 0);
  return out;
}

absl::StatusOr<Headers> FrameCodec::DecompressHeaders(std::string_view block) {
  std::string plain;
  z_stream& z = zlib_->inflate;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(block.data()));
  z.avail_in = static_cast<uInt>(block.size());
  char chunk[4096];
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    int rc = inflate(&z, Z_SYNC_FLUSH);
    if (rc == Z_NEED_DICT && !zlib_->inflate_primed) {
      const std::string& dictionary = HeaderDictionary();
      zlib_->inflate_primed = true;
      rc = inflateSetDictionary(&z, reinterpret_cast<const Bytef*>(dictionary.data()),
                                static_cast<uInt>(dictionary.size()));
      if (rc == Z_OK) continue;
    }
    plain.append(chunk, sizeof chunk - z.avail_out);
    if (plain.size() > kMaxHeaderBlock) {
      return absl::InvalidArgumentError("spdy: header block too large");
    }
    if (rc == Z_BUF_ERROR) break;  // no more progress: the block is consumed
    if (rc != Z_OK) {
      return absl::InvalidArgumentError(fmt::format("spdy: bad header block (zlib {})", rc));
    }
    if (z.avail_in == 0 && z.avail_out != 0) break;
  }
  const auto truncated = [] { return absl::InvalidArgumentError("spdy: truncated header block"); };
  if (plain.size() < 4) return truncated();
  const uint32_t count = Get32(plain, 0);
  size_t at = 4;
  Headers headers;
  for (uint32_t i = 0; i < count; ++i) {
    std::string fields[2];
    for (std::string& field : fields) {
      if (plain.size() - at < 4) return truncated();
      const uint32_t length = Get32(plain, at);
      at += 4;
      if (plain.size() - at < length) return truncated();
      field = plain.substr(at, length);
      at += length;
    }
    headers.emplace_back(ToLower(fields[0]), std::move(fields[1]));
  }
  return headers;
}

std::string FrameCodec::Encode(const Frame& frame) {
  std::string payload;
  if (const auto* data = std::get_if<DataFrame>(&frame)) {
    std::string out;
    Put32(out, data->stream_id & kStreamIdMask);
    Put32(out, static_cast<uint32_t>(data->fin ? kFlagFin : 0) << 24 |
                   static_cast<uint32_t>(data->data.size()));
    return out + data->data;
  }
  if (const auto* syn = std::get_if<SynStream>(&frame)) {
    Put32(payload, syn->stream_id & kStreamIdMask);
    Put32(payload, syn->associated_to & kStreamIdMask);
    payload.push_back(static_cast<char>(syn->priority << 5));
    payload.push_back(0);  // slot
    payload += CompressHeaders(syn->headers);
    return ControlFrame(kSynStream, syn->flags, payload);
  }
  if (const auto* reply = std::get_if<SynReply>(&frame)) {
    Put32(payload, reply->stream_id & kStreamIdMask);
    payload += CompressHeaders(reply->headers);
    return ControlFrame(kSynReply, reply->fin ? kFlagFin : 0, payload);
  }
  if (const auto* headers = std::get_if<HeadersFrame>(&frame)) {
    Put32(payload, headers->stream_id & kStreamIdMask);
    payload += CompressHeaders(headers->headers);
    return ControlFrame(kHeaders, headers->fin ? kFlagFin : 0, payload);
  }
  if (const auto* rst = std::get_if<RstStream>(&frame)) {
    Put32(payload, rst->stream_id & kStreamIdMask);
    Put32(payload, rst->status);
    return ControlFrame(kRstStream, 0, payload);
  }
  if (const auto* settings = std::get_if<Settings>(&frame)) {
    Put32(payload, static_cast<uint32_t>(settings->entries.size()));
    for (const auto& [id, value] : settings->entries) {
      Put32(payload, id & 0xffffff);
      Put32(payload, value);
    }
    return ControlFrame(kSettings, 0, payload);
  }
  if (const auto* ping = std::get_if<Ping>(&frame)) {
    Put32(payload, ping->id);
    return ControlFrame(kPing, 0, payload);
  }
  if (const auto* goaway = std::get_if<GoAway>(&frame)) {
    Put32(payload, goaway->last_good_stream_id & kStreamIdMask);
    Put32(payload, goaway->status);
    return ControlFrame(kGoAway, 0, payload);
  }
  if (const auto* update = std::get_if<WindowUpdate>(&frame)) {
    Put32(payload, update->stream_id & kStreamIdMask);
    Put32(payload, update->delta & kStreamIdMask);
    return ControlFrame(kWindowUpdate, 0, payload);
  }
  return "";  // UnknownFrame: nothing to send
}

absl::StatusOr<std::optional<Frame>> FrameCodec::Decode(std::string& buffer) {
  if (buffer.size() < kFrameHeader) return std::nullopt;
  const uint32_t word = Get32(buffer, 4);
  const uint8_t flags = static_cast<uint8_t>(word >> 24);
  const size_t length = word & 0xffffff;
  if (length > kMaxFrameLength) {
    return absl::InvalidArgumentError(fmt::format("spdy: frame of {} bytes is too large", length));
  }
  if (buffer.size() < kFrameHeader + length) return std::nullopt;
  const std::string payload = buffer.substr(kFrameHeader, length);
  const uint32_t first = Get32(buffer, 0);
  buffer.erase(0, kFrameHeader + length);
  if ((first & 0x80000000u) == 0) {
    return Frame(DataFrame{
        .stream_id = first & kStreamIdMask, .fin = (flags & kFlagFin) != 0, .data = payload});
  }
  const uint16_t version = (first >> 16) & 0x7fff;
  const uint16_t type = first & 0xffff;
  if (version != kVersion) {
    return absl::InvalidArgumentError(fmt::format("spdy: unsupported version {}", version));
  }
  const auto need = [&](size_t bytes) -> absl::Status {
    if (payload.size() < bytes) {
      return absl::InvalidArgumentError(fmt::format("spdy: control frame {} too short", type));
    }
    return absl::OkStatus();
  };
  switch (type) {
    case kSynStream: {
      if (auto status = need(10); !status.ok()) return status;
      auto headers = DecompressHeaders(std::string_view(payload).substr(10));
      if (!headers.ok()) return headers.status();
      return Frame(
          SynStream{.stream_id = Get32(payload, 0) & kStreamIdMask,
                    .associated_to = Get32(payload, 4) & kStreamIdMask,
                    .priority = static_cast<uint8_t>(static_cast<uint8_t>(payload[8]) >> 5),
                    .flags = flags,
                    .headers = std::move(*headers)});
    }
    case kSynReply:
    case kHeaders: {
      if (auto status = need(4); !status.ok()) return status;
      auto headers = DecompressHeaders(std::string_view(payload).substr(4));
      if (!headers.ok()) return headers.status();
      const uint32_t id = Get32(payload, 0) & kStreamIdMask;
      const bool fin = (flags & kFlagFin) != 0;
      if (type == kSynReply) return Frame(SynReply{id, fin, std::move(*headers)});
      return Frame(HeadersFrame{id, fin, std::move(*headers)});
    }
    case kRstStream:
      if (auto status = need(8); !status.ok()) return status;
      return Frame(RstStream{Get32(payload, 0) & kStreamIdMask, Get32(payload, 4)});
    case kSettings: {
      if (auto status = need(4); !status.ok()) return status;
      const uint32_t count = Get32(payload, 0);
      if ((payload.size() - 4) / 8 < count) return need(4 + size_t{count} * 8);
      Settings settings;
      for (uint32_t i = 0; i < count; ++i) {
        settings.entries.emplace_back(Get32(payload, 4 + i * 8) & 0xffffff,
                                      Get32(payload, 8 + i * 8));
      }
      return Frame(settings);
    }
    case kPing:
      if (auto status = need(4); !status.ok()) return status;
      return Frame(Ping{Get32(payload, 0)});
    case kGoAway:
      if (auto status = need(4); !status.ok()) return status;
      return Frame(
          GoAway{Get32(payload, 0) & kStreamIdMask, payload.size() >= 8 ? Get32(payload, 4) : 0});
    case kWindowUpdate:
      if (auto status = need(8); !status.ok()) return status;
      return Frame(
          WindowUpdate{Get32(payload, 0) & kStreamIdMask, Get32(payload, 4) & kStreamIdMask});
    default:
      return Frame(UnknownFrame{type});
  }
}

}  // namespace crio::stream::spdy
