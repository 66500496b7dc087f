#include "stream/websocket.h"

#include <openssl/rand.h>
#include <openssl/sha.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "common/base64.h"
#include "common/log.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "stream/pumps.h"

namespace crio::stream::websocket {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr size_t kMaxChunk = 32 << 10;

}  // namespace

std::string AcceptKey(std::string_view client_key) {
  const std::string input = std::string(client_key) + std::string(kGuid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string EncodeFrame(const Frame& frame, bool mask) {
  std::string out;
  out.push_back(static_cast<char>((frame.fin ? 0x80 : 0) | (frame.opcode & 0x0f)));
  const size_t size = frame.payload.size();
  const char mask_bit = mask ? static_cast<char>(0x80) : 0;
  if (size < 126) {
    out.push_back(static_cast<char>(mask_bit | static_cast<char>(size)));
  } else if (size <= 0xffff) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>(size >> 8));
    out.push_back(static_cast<char>(size));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(size >> shift));
  }
  if (!mask) return out + frame.payload;
  unsigned char key[4];
  RAND_bytes(key, sizeof key);
  out.append(reinterpret_cast<const char*>(key), sizeof key);
  for (size_t i = 0; i < size; ++i) out.push_back(static_cast<char>(frame.payload[i] ^ key[i % 4]));
  return out;
}

absl::StatusOr<std::optional<Frame>> DecodeFrame(std::string& buffer, bool from_client) {
  if (buffer.size() < 2) return std::nullopt;
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(buffer[i]); };
  const bool masked = (byte(1) & 0x80) != 0;
  if (masked != from_client) {
    return absl::InvalidArgumentError(from_client ? "websocket: client frame not masked"
                                                  : "websocket: server frame masked");
  }
  if ((byte(0) & 0x70) != 0) return absl::InvalidArgumentError("websocket: reserved bits set");
  uint64_t size = byte(1) & 0x7f;
  size_t at = 2;
  if (size == 126) {
    if (buffer.size() < 4) return std::nullopt;
    size = uint64_t{byte(2)} << 8 | byte(3);
    at = 4;
  } else if (size == 127) {
    if (buffer.size() < 10) return std::nullopt;
    size = 0;
    for (size_t i = 2; i < 10; ++i) size = size << 8 | byte(i);
    at = 10;
  }
  if (size > kMaxMessage) {
    return absl::InvalidArgumentError(
        fmt::format("websocket: frame of {} bytes is too large", size));
  }
  const size_t key_at = at;
  if (masked) at += 4;
  if (buffer.size() < at + size) return std::nullopt;
  Frame frame{.fin = (byte(0) & 0x80) != 0,
              .opcode = static_cast<uint8_t>(byte(0) & 0x0f),
              .payload = buffer.substr(at, size)};
  if (masked) {
    for (size_t i = 0; i < frame.payload.size(); ++i) {
      frame.payload[i] = static_cast<char>(frame.payload[i] ^ buffer[key_at + i % 4]);
    }
  }
  buffer.erase(0, at + size);
  return frame;
}

bool ChannelStream::Write(std::string_view data) {
  if (closed_write_) return false;
  while (!data.empty()) {
    const size_t n = std::min(data.size(), kMaxChunk);
    if (!connection_.SendMessage(number_, data.substr(0, n))) return false;
    data.remove_prefix(n);
  }
  return true;
}

void ChannelStream::CloseWrite() {
  if (closed_write_.exchange(true)) return;
  if (!connection_.options_.close_signal) return;
  const char which = static_cast<char>(number_);
  connection_.SendMessage(kCloseSignalChannel, std::string_view(&which, 1));
}

ChannelConnection::ChannelConnection(sys::UniqueFd socket, Options options)
    : socket_(std::move(socket)), options_(options) {
  last_activity_ms_ = MonotonicMs();
}

ChannelConnection::~ChannelConnection() { Close(); }

std::shared_ptr<ChannelStream> ChannelConnection::channel(uint8_t number) {
  std::lock_guard lock(mu_);
  auto& slot = channels_[number];
  if (slot == nullptr) {
    slot = std::make_shared<ChannelStream>(*this, number, options_.channel_buffer, options_.budget);
    if (closed_) slot->inbound_.Abort();  // Close() has passed already
  }
  return slot;
}

bool ChannelConnection::SendFrame(const Frame& frame) {
  if (closed_) return false;
  const std::string bytes = EncodeFrame(frame, /*mask=*/!options_.server);
  std::lock_guard lock(write_mu_);
  if (!SendAll(socket_.get(), bytes, options_.idle_timeout, closed_)) {
    ::shutdown(socket_.get(), SHUT_RDWR);  // Run notices and closes the rest
    return false;
  }
  last_activity_ms_ = MonotonicMs();
  return true;
}

bool ChannelConnection::SendMessage(uint8_t channel, std::string_view data) {
  Frame frame{.fin = true, .opcode = options_.base64 ? kText : kBinary};
  if (options_.base64) {
    frame.payload = std::string(1, static_cast<char>('0' + channel)) + Base64Encode(data);
  } else {
    frame.payload = std::string(1, static_cast<char>(channel));
    frame.payload.append(data);
  }
  return SendFrame(frame);
}

bool ChannelConnection::Deliver(const std::string& message, bool text) {
  if (message.empty()) return true;
  uint8_t number = static_cast<uint8_t>(message[0]);
  std::string data = message.substr(1);
  if (text || options_.base64) {
    number = static_cast<uint8_t>(message[0] - '0');
    auto decoded = Base64Decode(data);
    if (!decoded) return true;
    data = std::move(*decoded);
  }
  if (options_.close_signal && number == kCloseSignalChannel) {
    if (!data.empty()) channel(static_cast<uint8_t>(data[0]))->inbound_.Finish();
    return true;
  }
  return data.empty() || channel(number)->inbound_.Deliver(data);
}

void ChannelConnection::Close() {
  if (closed_.exchange(true)) return;
  {
    std::unique_lock lock(write_mu_, std::try_to_lock);
    if (lock.owns_lock()) {
      const std::string bytes = EncodeFrame(
          {.fin = true, .opcode = kClose, .payload = std::string("\x03\xe8", 2)}, !options_.server);
      (void)!::send(socket_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
  }
  // Our side ends; Run lingers until the peer closes too (see spdy::Connection::Close).
  ::shutdown(socket_.get(), SHUT_WR);
  std::lock_guard lock(mu_);
  for (auto& [number, stream] : channels_) stream->inbound_.Abort();
}

void ChannelConnection::Run() {
  std::string buffer;
  std::string message;
  uint8_t message_opcode = kBinary;
  while (ReceiveMore(socket_.get(), buffer, closed_, last_activity_ms_, options_.idle_timeout)) {
    bool done = false;
    while (!done) {
      auto frame = DecodeFrame(buffer, /*from_client=*/options_.server);
      if (!frame.ok()) {
        log::Debug("{}", AsStd(frame.status().message()));
        done = true;
        Close();
        break;
      }
      if (!frame->has_value()) break;
      Frame& f = **frame;
      switch (f.opcode) {
        case kPing:
          SendFrame({.fin = true, .opcode = kPong, .payload = f.payload});
          break;
        case kPong:
          break;
        case kClose:
          done = true;
          break;
        case kContinuation:
        case kText:
        case kBinary:
          if (f.opcode != kContinuation) message_opcode = f.opcode;
          message += f.payload;
          if (message.size() > kMaxMessage) {
            done = true;
            break;
          }
          if (f.fin) {
            if (!Deliver(message, message_opcode == kText)) {
              log::Debug("websocket: closing: the streaming budget's buffers are full");
              done = true;
              break;
            }
            message.clear();
          }
          break;
        default:
          done = true;
      }
    }
    if (done) break;
  }
  Close();
  LingerUntilPeerCloses(socket_.get(), kLinger);
}

}  // namespace crio::stream::websocket
