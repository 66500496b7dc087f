// Copying between a session's channels and the descriptors of what serves it (a process's
// pipes or terminal, conmon's attach socket, a pod's TCP socket). Every copy polls, so it
// notices `stop` within kPumpTick and never blocks for good on a stalled side.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "stream/channel.h"

namespace crio::stream {

inline constexpr std::chrono::milliseconds kPumpTick{100};

// Milliseconds on the monotonic clock.
int64_t MonotonicMs();
// Waits up to `timeout` for `events` on `fd`; false on timeout or error.
bool WaitReady(int fd, short events, std::chrono::milliseconds timeout);
// Sends all of `bytes` on `socket` (non-blocking sends); false on an error, once `give_up`
// is set, or when the peer took nothing for `stall_limit`.
bool SendAll(int socket, std::string_view bytes, std::chrono::milliseconds stall_limit,
             const std::atomic<bool>& give_up);

// Everything `from` delivers until it ends (the client's error stream, a status report).
std::string ReadToEnd(Channel& from);

// Writes what `from` delivers to `fd` until `from` ends, `fd` fails or `stop`.
void PumpToFd(Channel& from, int fd, const std::atomic<bool>& stop);

// Why PumpFromFd returned.
enum class PumpEnd { kSourceEnded, kClientGone, kStopped };

// Sends what `fd` yields to `to` until `fd` ends (EOF, EIO), `to` fails, or `stop_when_idle`
// is set and `fd` has nothing more to read.
PumpEnd PumpFromFd(int fd, Channel& to, const std::function<bool()>& stop_when_idle);

// Appends what `socket` receives to `buffer`, waiting a second at a time; false once the
// peer closed, on an error, after `stop`, or when nothing moved either way for
// `idle_timeout` since `last_activity_ms` (which it moves on).
bool ReceiveMore(int socket, std::string& buffer, const std::atomic<bool>& stop,
                 std::atomic<int64_t>& last_activity_ms, std::chrono::milliseconds idle_timeout);

// Once our side of `socket` stopped writing: reads and drops what the peer still sends until
// it closes or `limit` passes, so closing never resets a connection whose peer has yet to
// read what we sent.
void LingerUntilPeerCloses(int socket, std::chrono::milliseconds limit);
// How long a closing connection waits for its peer to close too.
inline constexpr std::chrono::milliseconds kLinger{5000};

}  // namespace crio::stream
