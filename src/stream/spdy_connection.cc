#include "stream/spdy_connection.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "common/log.h"
#include "common/strings.h"
#include "stream/pumps.h"

namespace crio::stream::spdy {
namespace {

constexpr size_t kMaxDataFrame = 32 << 10;

}  // namespace

Stream::Stream(Connection& connection, uint32_t id, Headers headers, bool peer_fin,
               StreamBudget::Lease lease)
    : connection_(connection),
      id_(id),
      headers_(std::move(headers)),
      lease_(std::move(lease)),
      inbound_(connection.options_.stream_buffer, connection.options_.budget),
      peer_fin_(peer_fin) {
  if (peer_fin) inbound_.Finish();
}

size_t Stream::Read(char* data, size_t size) {
  const size_t n = inbound_.Read(data, size);
  if (n > 0) connection_.Consumed(id_, n);
  return n;
}

bool Stream::Write(std::string_view data) {
  {
    std::lock_guard lock(mu_);
    if (reset_ || sent_fin_) return false;
  }
  while (!data.empty()) {
    const size_t n = std::min(data.size(), kMaxDataFrame);
    if (!connection_.Send(
            DataFrame{.stream_id = id_, .fin = false, .data = std::string(data.substr(0, n))})) {
      return false;
    }
    data.remove_prefix(n);
  }
  return true;
}

void Stream::CloseWrite() {
  {
    std::lock_guard lock(mu_);
    if (reset_ || sent_fin_) return;
    sent_fin_ = true;
  }
  connection_.Send(DataFrame{.stream_id = id_, .fin = true, .data = ""});
  if (Finished()) connection_.Forget(id_);
}

void Stream::Reply() {
  {
    std::lock_guard lock(mu_);
    if (replied_ || reset_) return;
    replied_ = true;
  }
  connection_.Send(SynReply{.stream_id = id_, .fin = false, .headers = {}});
}

void Stream::Reset(uint32_t status) {
  {
    std::lock_guard lock(mu_);
    if (reset_) return;
    reset_ = true;
  }
  inbound_.StopReading();
  changed_.notify_all();
  connection_.Send(RstStream{.stream_id = id_, .status = status});
  connection_.Forget(id_);
}

void Stream::StopReading() { inbound_.StopReading(); }

bool Stream::WaitReply(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  changed_.wait_for(lock, timeout, [&] { return replied_ || reset_ || connection_.closed(); });
  return replied_ && !reset_;
}

bool Stream::Deliver(std::string_view data, bool fin) {
  // Backpressure: this holds the connection's reader until the consumer makes room.
  if (!data.empty() && !inbound_.Deliver(data)) return false;
  if (!fin) return true;
  inbound_.Finish();
  std::lock_guard lock(mu_);
  peer_fin_ = true;
  return true;
}

void Stream::PeerReset() {
  {
    std::lock_guard lock(mu_);
    reset_ = true;
  }
  inbound_.StopReading();
  changed_.notify_all();
}

void Stream::PeerReplied() {
  {
    std::lock_guard lock(mu_);
    replied_ = true;
  }
  changed_.notify_all();
}

void Stream::Abort() {
  inbound_.Abort();
  std::lock_guard lock(mu_);  // WaitReply checks closed() under it
  changed_.notify_all();
}

bool Stream::Finished() {
  std::lock_guard lock(mu_);
  return reset_ || (peer_fin_ && sent_fin_);
}

Connection::Connection(sys::UniqueFd socket, Role role, Options options)
    : socket_(std::move(socket)),
      role_(role),
      options_(options),
      next_id_(role == Role::kClient ? 1 : 2) {
  last_activity_ms_ = MonotonicMs();
}

Connection::~Connection() { Close(); }

void Connection::Close() {
  if (closed_.exchange(true)) return;
  uint32_t last_good;
  {
    std::lock_guard lock(mu_);
    last_good = last_peer_id_;
  }
  {
    // Best effort, without waiting on a stalled peer.
    std::unique_lock lock(write_mu_, std::try_to_lock);
    if (lock.owns_lock()) {
      const std::string bytes = write_codec_.Encode(GoAway{.last_good_stream_id = last_good});
      (void)!::send(socket_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
  }
  // Our side ends; Run lingers until the peer closes too, so it reads all we sent
  // (closing a socket with unread input would reset the connection).
  ::shutdown(socket_.get(), SHUT_WR);
  std::vector<std::shared_ptr<Stream>> streams;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, stream] : streams_) streams.push_back(stream);
  }
  for (auto& stream : streams) stream->Abort();
}

bool Connection::Send(const Frame& frame) {
  if (closed_) return false;
  bool ok;
  {
    std::lock_guard lock(write_mu_);
    ok = SendAll(socket_.get(), write_codec_.Encode(frame), options_.idle_timeout, closed_);
  }
  if (ok) last_activity_ms_ = MonotonicMs();
  if (!ok) Close();
  return ok;
}

absl::StatusOr<std::shared_ptr<Stream>> Connection::Open(Headers headers) {
  std::shared_ptr<Stream> stream;
  {
    std::lock_guard lock(mu_);
    if (closed_ || peer_went_away_) return absl::UnavailableError("spdy: connection closed");
    stream = std::make_shared<Stream>(*this, next_id_, headers, /*peer_fin=*/false);
    streams_[next_id_] = stream;
    next_id_ += 2;
  }
  if (!Send(SynStream{.stream_id = stream->id(), .headers = std::move(headers)})) {
    return absl::UnavailableError("spdy: connection closed");
  }
  return stream;
}

std::shared_ptr<Stream> Connection::Find(uint32_t id) {
  std::lock_guard lock(mu_);
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second;
}

void Connection::Forget(uint32_t id) {
  std::lock_guard lock(mu_);
  streams_.erase(id);
}

void Connection::Consumed(uint32_t stream_id, size_t bytes) {
  Send(WindowUpdate{.stream_id = stream_id, .delta = static_cast<uint32_t>(bytes)});
}

void Connection::AcceptStream(SynStream syn,
                              const std::function<void(std::shared_ptr<Stream>)>& on_stream) {
  const bool peer_parity = (syn.stream_id % 2 == 1) == (role_ == Role::kServer);
  std::shared_ptr<Stream> stream;
  uint32_t refuse = 0;
  absl::StatusOr<StreamBudget::Lease> lease = StreamBudget::Lease();
  if (options_.budget != nullptr) lease = options_.budget->Take(StreamBudget::Kind::kStream);
  {
    std::lock_guard lock(mu_);
    if (!peer_parity || syn.stream_id <= last_peer_id_) {
      refuse = kProtocolError;
    } else if (peer_went_away_ || streams_.size() >= options_.max_streams || !lease.ok()) {
      refuse = kRefusedStream;
    } else {
      last_peer_id_ = syn.stream_id;
      stream = std::make_shared<Stream>(*this, syn.stream_id, std::move(syn.headers),
                                        (syn.flags & kFlagFin) != 0, std::move(*lease));
      streams_[syn.stream_id] = stream;
    }
  }
  if (!lease.ok()) {
    log::Debug("spdy: refused stream {}: {}", syn.stream_id, AsStd(lease.status().message()));
  }
  if (refuse != 0) {
    Send(RstStream{.stream_id = syn.stream_id, .status = refuse});
    return;
  }
  on_stream(std::move(stream));
}

void Connection::Dispatch(Frame frame,
                          const std::function<void(std::shared_ptr<Stream>)>& on_stream) {
  if (auto* data = std::get_if<DataFrame>(&frame)) {
    if (auto stream = Find(data->stream_id)) {
      if (!stream->Deliver(data->data, data->fin)) {
        log::Debug("spdy: stream {} reset: the streaming budget's buffers are full",
                   data->stream_id);
        stream->Reset(kFlowControlError);
      } else if (data->fin && stream->Finished()) {
        Forget(data->stream_id);
      }
    }
  } else if (auto* syn = std::get_if<SynStream>(&frame)) {
    AcceptStream(std::move(*syn), on_stream);
  } else if (auto* reply = std::get_if<SynReply>(&frame)) {
    if (auto stream = Find(reply->stream_id)) {
      stream->PeerReplied();
      if (reply->fin) stream->Deliver("", true);
    }
  } else if (auto* headers = std::get_if<HeadersFrame>(&frame)) {
    if (headers->fin) {
      if (auto stream = Find(headers->stream_id)) stream->Deliver("", true);
    }
  } else if (auto* rst = std::get_if<RstStream>(&frame)) {
    if (auto stream = Find(rst->stream_id)) {
      stream->PeerReset();
      Forget(rst->stream_id);
    }
  } else if (auto* ping = std::get_if<Ping>(&frame)) {
    const bool ours = (ping->id % 2 == 1) == (role_ == Role::kClient);
    if (!ours) Send(*ping);  // echo the peer's ping
  } else if (std::holds_alternative<GoAway>(frame)) {
    std::lock_guard lock(mu_);
    peer_went_away_ = true;
  }
  // SETTINGS, WINDOW_UPDATE and unknown control frames need nothing (see the header).
}

void Connection::Run(const std::function<void(std::shared_ptr<Stream>)>& on_stream) {
  FrameCodec read_codec;
  std::string buffer;
  while (ReceiveMore(socket_.get(), buffer, closed_, last_activity_ms_, options_.idle_timeout)) {
    for (;;) {
      auto frame = read_codec.Decode(buffer);
      if (!frame.ok()) {
        log::Debug("spdy: {}", AsStd(frame.status().message()));
        Close();
        break;
      }
      if (!frame->has_value()) break;
      Dispatch(std::move(**frame), on_stream);
    }
  }
  Close();
  LingerUntilPeerCloses(socket_.get(), kLinger);
}

}  // namespace crio::stream::spdy
