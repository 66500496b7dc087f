// SPDY/3.1 framing (the transport kubectl, crictl and the kubelet use for exec, attach and
// port-forward): frame values, and FrameCodec, which turns them into bytes and back.
//
// Header blocks are compressed with zlib primed with SPDY/3's dictionary; each direction
// of a connection keeps one compression context for its whole life, so a connection owns
// one codec and feeds it every frame in order. Not thread-safe: the connection serializes
// encoding under its write lock and decodes on its reader thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::stream::spdy {

// Header names travel lowercase; a value with several parts joins them with NUL.
using Headers = std::vector<std::pair<std::string, std::string>>;

// The value of header `name` (any case), or "" when absent.
std::string HeaderValue(const Headers& headers, std::string_view name);

inline constexpr uint8_t kFlagFin = 0x01;
inline constexpr uint8_t kFlagUnidirectional = 0x02;

// RST_STREAM status codes.
inline constexpr uint32_t kProtocolError = 1;
inline constexpr uint32_t kRefusedStream = 3;
inline constexpr uint32_t kCancel = 5;
inline constexpr uint32_t kFlowControlError = 7;

struct DataFrame {
  uint32_t stream_id = 0;
  bool fin = false;
  std::string data;
};
struct SynStream {
  uint32_t stream_id = 0;
  uint32_t associated_to = 0;
  uint8_t priority = 0;
  uint8_t flags = 0;  // kFlagFin, kFlagUnidirectional
  Headers headers;
};
struct SynReply {
  uint32_t stream_id = 0;
  bool fin = false;
  Headers headers;
};
struct RstStream {
  uint32_t stream_id = 0;
  uint32_t status = 0;
};
struct Settings {
  std::vector<std::pair<uint32_t, uint32_t>> entries;  // (id, value); flags dropped
};
struct Ping {
  uint32_t id = 0;
};
struct GoAway {
  uint32_t last_good_stream_id = 0;
  uint32_t status = 0;
};
struct HeadersFrame {
  uint32_t stream_id = 0;
  bool fin = false;
  Headers headers;
};
struct WindowUpdate {
  uint32_t stream_id = 0;
  uint32_t delta = 0;
};
// A control frame of a type this codec does not know (CREDENTIAL, NOOP): skipped.
struct UnknownFrame {
  uint16_t type = 0;
};

using Frame = std::variant<DataFrame, SynStream, SynReply, RstStream, Settings, Ping, GoAway,
                           HeadersFrame, WindowUpdate, UnknownFrame>;

// Frames longer than this are refused (the protocol allows 16 MiB; our peers send 32 KiB).
inline constexpr size_t kMaxFrameLength = 1 << 20;
// A header block inflating past this is refused (a compression bomb).
inline constexpr size_t kMaxHeaderBlock = 256 << 10;

class FrameCodec {
 public:
  FrameCodec();
  ~FrameCodec();
  FrameCodec(const FrameCodec&) = delete;
  FrameCodec& operator=(const FrameCodec&) = delete;

  std::string Encode(const Frame& frame);

  // Takes one whole frame off the front of `buffer`; nullopt while `buffer` holds less
  // than a frame. An error (malformed frame, bad header block) ends the connection.
  absl::StatusOr<std::optional<Frame>> Decode(std::string& buffer);

 private:
  struct Zlib;
  std::string CompressHeaders(const Headers& headers);
  absl::StatusOr<Headers> DecompressHeaders(std::string_view block);

  std::unique_ptr<Zlib> zlib_;
};

// SPDY/3's header compression dictionary (the spec's 1423 bytes).
const std::string& HeaderDictionary();

}  // namespace crio::stream::spdy
