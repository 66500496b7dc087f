// FdStream: a blocking Beast SyncReadStream/SyncWriteStream over a connected socket, with a
// deadline enforced by poll(2) (asio's own sync sockets ignore SO_RCVTIMEO). The deadline
// covers everything until it is moved again, so a peer trickling bytes cannot hold the
// stream longer than one timeout per exchange.
//
// Owns its descriptor. One thread at a time.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "boost/asio/buffer.hpp"
#include "boost/asio/error.hpp"
#include "boost/system/error_code.hpp"
#include "boost/system/system_error.hpp"
#include "sys/unique_fd.h"

namespace crio::status {

class FdStream {
 public:
  using Clock = std::chrono::steady_clock;

  // The first deadline is `timeout` from now.
  FdStream(sys::UniqueFd fd, std::chrono::milliseconds timeout)
      : fd_(std::move(fd)), deadline_(Clock::now() + timeout) {}

  int fd() const { return fd_.get(); }
  // Hands the descriptor on (e.g. after an HTTP upgrade); the stream is unusable after.
  sys::UniqueFd Release() { return std::move(fd_); }
  void SetDeadline(Clock::time_point deadline) { deadline_ = deadline; }

  template <typename MutableBuffers>
  size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec) {
    return Transfer(buffers, POLLIN, ec,
                    [this](void* data, size_t size) { return ::read(fd_.get(), data, size); });
  }
  template <typename ConstBuffers>
  size_t write_some(const ConstBuffers& buffers, boost::system::error_code& ec) {
    return Transfer(buffers, POLLOUT, ec, [this](const void* data, size_t size) {
      return ::send(fd_.get(), data, size, MSG_NOSIGNAL);
    });
  }
  template <typename MutableBuffers>
  size_t read_some(const MutableBuffers& buffers) {
    boost::system::error_code ec;
    const size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
  template <typename ConstBuffers>
  size_t write_some(const ConstBuffers& buffers) {
    boost::system::error_code ec;
    const size_t n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

 private:
  // Moves bytes for the first non-empty buffer once the fd is ready, like asio's read_some.
  template <typename Buffers, typename Io>
  size_t Transfer(const Buffers& buffers, short events, boost::system::error_code& ec, Io io) {
    ec = {};
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      auto buffer = *it;
      if (buffer.size() == 0) continue;
      ssize_t n;
      do {
        if (!WaitReady(events, ec)) return 0;
        n = io(buffer.data(), buffer.size());
      } while (n < 0 && (errno == EINTR || errno == EAGAIN));
      if (n < 0) {
        ec = boost::system::error_code(errno, boost::system::system_category());
        return 0;
      }
      if (n == 0 && events == POLLIN) ec = boost::asio::error::eof;
      return static_cast<size_t>(n);
    }
    return 0;
  }

  bool WaitReady(short events, boost::system::error_code& ec) {
    pollfd pfd{.fd = fd_.get(), .events = events, .revents = 0};
    int rc;
    do {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
      rc = ::poll(&pfd, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) ec = boost::asio::error::timed_out;
    if (rc < 0) ec = boost::system::error_code(errno, boost::system::system_category());
    return rc > 0;
  }

  sys::UniqueFd fd_;
  Clock::time_point deadline_;
};

}  // namespace crio::status
