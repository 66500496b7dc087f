// The streaming server's global budget against one greedy client: a port-forward session
// that cycles ten thousand streams and then opens a thousand at once leaves crio with the
// threads and memory it had, and crio keeps answering.
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <charconv>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "stream/pumps.h"
#include "stream/spdy_connection.h"
#include "sys/tcp.h"
#include "tests/integration/container_fixture.h"

namespace crio::testing {
namespace {

constexpr int kEchoPort = 7070;
constexpr auto kReplyTimeout = std::chrono::seconds(20);

// A field of /proc/PID/status ("Threads", "VmRSS" in kB); -1 when absent.
long StatusField(pid_t pid, const std::string& name) {
  const std::string status = ReadText(fmt::format("/proc/{}/status", pid));
  const size_t at = status.find("\n" + name + ":");
  if (at == std::string::npos) return -1;
  const size_t start = status.find_first_not_of(" \t", at + name.size() + 2);
  long value = -1;
  std::from_chars(status.data() + start, status.data() + status.size(), value);
  return value;
}

// A SPDY port-forward session driven stream by stream, as kubectl drives one.
class ForwardSession {
 public:
  // Dials `url` (http://HOST:PORT/portforward/TOKEN) and upgrades it.
  static std::unique_ptr<ForwardSession> Open(const std::string& url) {
    const size_t host = url.find("//") + 2;
    const size_t colon = url.find(':', host);
    const size_t path = url.find('/', colon);
    int port = 0;
    std::from_chars(url.data() + colon + 1, url.data() + path, port);
    auto socket = sys::ConnectTcp(url.substr(host, colon - host), port);
    if (!socket.ok()) return nullptr;
    const std::string request = fmt::format(
        "GET {} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
        "X-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n",
        url.substr(path));
    if (::send(socket->get(), request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      return nullptr;
    }
    std::string answer;  // byte by byte: nothing of the session is read here
    char c;
    while (!answer.ends_with("\r\n\r\n") &&
           stream::WaitReady(socket->get(), POLLIN, kReplyTimeout) &&
           ::recv(socket->get(), &c, 1, 0) == 1) {
      answer.push_back(c);
    }
    if (!answer.starts_with("HTTP/1.1 101")) return nullptr;
    return std::unique_ptr<ForwardSession>(new ForwardSession(std::move(*socket)));
  }

  ~ForwardSession() {
    connection_.Close();
    reader_.join();
  }

  struct Forwarded {
    std::shared_ptr<stream::spdy::Stream> data, error;
  };
  // Opens a forward to `port` (its error stream closed for writing at once, as kubectl
  // does) and waits for crio's replies; nullopt when crio refused it. Thread-safe: stream
  // ids are taken in order under the lock, replies are awaited outside it.
  std::optional<Forwarded> Forward(int port) {
    Forwarded forward;
    {
      std::lock_guard lock(open_mu_);
      const std::string id = std::to_string(next_id_++);
      const std::string port_text = std::to_string(port);
      auto error =
          connection_.Open({{"streamType", "error"}, {"port", port_text}, {"requestID", id}});
      auto data =
          connection_.Open({{"streamType", "data"}, {"port", port_text}, {"requestID", id}});
      if (!error.ok() || !data.ok()) return std::nullopt;
      forward = {*data, *error};
    }
    forward.error->CloseWrite();
    if (!forward.error->WaitReply(kReplyTimeout) || !forward.data->WaitReply(kReplyTimeout)) {
      forward.error->Reset();
      forward.data->Reset();
      return std::nullopt;
    }
    return forward;
  }

 private:
  explicit ForwardSession(sys::UniqueFd socket)
      : connection_(std::move(socket), stream::spdy::Connection::Role::kClient, {}),
        reader_([this] {
          connection_.Run([](std::shared_ptr<stream::spdy::Stream> s) { s->Reset(); });
        }) {}

  stream::spdy::Connection connection_;
  std::thread reader_;
  std::mutex open_mu_;
  int next_id_ = 0;  // guarded by open_mu_
};

// Sends `text` through the forward, says it is done, and returns what came back until the
// pod's side closed, followed by anything crio said on the error stream.
std::string Echo(const ForwardSession::Forwarded& forward, const std::string& text) {
  if (!forward.data->Write(text)) return "";
  forward.data->CloseWrite();
  std::string answer = stream::ReadToEnd(*forward.data);
  return answer + stream::ReadToEnd(*forward.error);
}

class StreamBudgetTest : public ContainerTest {
 protected:
  std::string PortForwardUrl() {
    v1::PortForwardRequest request;
    request.set_pod_sandbox_id(pod_);
    v1::PortForwardResponse response;
    const grpc::Status status = stub_->PortForward(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.url();
  }

  // A container whose `nc` echoes every connection to kEchoPort (a `cat` each, in parallel).
  void StartEchoServer() {
    v1::ContainerConfig config =
        Config("echo", {"sh", "-c",
                        fmt::format("nc -ll -p {} -e cat & trap 'exit 0' TERM; "
                                    "while true; do sleep 0.1; done",
                                    kEchoPort)});
    const std::string id = Create(config);
    ASSERT_TRUE(Start(id).ok()) << crio_->Log();
    for (int i = 0; i < 100; ++i) {  // until it listens
      auto session = ForwardSession::Open(PortForwardUrl());
      ASSERT_NE(session, nullptr);
      if (auto forward = session->Forward(kEchoPort); forward && Echo(*forward, "up") == "up") {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "the echo server did not start";
  }
};

TEST_F(StreamBudgetTest, ManyPortForwardStreamsLeaveThreadsAndMemoryFlat) {
  StartEchoServer();
  const pid_t crio = crio_->pid();
  const long threads_before = StatusField(crio, "Threads");
  const long rss_before = StatusField(crio, "VmRSS");
  ASSERT_GT(threads_before, 0);
  {
    auto session = ForwardSession::Open(PortForwardUrl());
    ASSERT_NE(session, nullptr);
    // 10,000 streams (5,000 forwards of two) one after another on one connection, a few
    // dozen at a time for speed.
    constexpr int kWorkers = 16;  // each forward mostly waits on the pod: overlap them
    constexpr int kCycles = 5000 / kWorkers;
    std::atomic<int> echoed{0};
    std::mutex failure_mu;
    std::string first_failure;
    std::vector<std::thread> workers;
    for (int w = 0; w < kWorkers; ++w) {
      workers.emplace_back([&, w] {
        for (int i = 0; i < kCycles; ++i) {
          const std::optional<ForwardSession::Forwarded> forward = session->Forward(kEchoPort);
          const std::string text = fmt::format("cycle-{}-{}", w, i);
          const std::string answer = forward ? Echo(*forward, text) : "(refused)";
          if (answer == text) {
            ++echoed;
          } else {
            std::lock_guard lock(failure_mu);
            if (first_failure.empty()) first_failure = text + ": " + answer;
          }
        }
      });
    }
    for (std::thread& worker : workers) worker.join();
    // Every forward ended (none hung). busybox's `nc -ll -e cat` in the pod answers a few
    // of the first simultaneous connections with nothing; all the rest echo.
    EXPECT_GE(echoed.load(), kWorkers * kCycles * 99 / 100) << first_failure;

    // Then 1,000 forwards at once, past what one connection may hold: each echoes, is
    // refused, or ends with crio's error; none hangs, and crio stays up.
    constexpr int kParallel = 1000;
    std::vector<std::optional<ForwardSession::Forwarded>> open(kParallel);
    std::vector<std::thread> openers;
    std::atomic<int> parallel_echoed{0}, refused{0};
    for (int i = 0; i < kParallel; ++i) {
      openers.emplace_back([&, i] {
        open[i] = session->Forward(kEchoPort);
        if (!open[i]) {
          ++refused;
          return;
        }
        const std::string text = fmt::format("parallel-{}", i);
        if (Echo(*open[i], text) == text) ++parallel_echoed;
      });
    }
    for (std::thread& opener : openers) opener.join();
    EXPECT_GT(parallel_echoed.load(), 0);
    RecordProperty("parallel_echoed", std::to_string(parallel_echoed.load()));
    RecordProperty("parallel_refused", std::to_string(refused.load()));
  }
  long threads_after = 0;
  for (int i = 0; i < 200; ++i) {  // the session's threads end with it
    threads_after = StatusField(crio, "Threads");
    if (threads_after <= threads_before + 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const long rss_after = StatusField(crio, "VmRSS");
  EXPECT_LE(threads_after, threads_before + 2);
  EXPECT_LT(rss_after - rss_before, 64 * 1024) << rss_before << " kB before, " << rss_after;
  RecordProperty("crio_rss_growth_kb", std::to_string(rss_after - rss_before));

  // crio serves on: the CRI answers and a new forward echoes.
  v1::VersionResponse version;
  EXPECT_TRUE(stub_->Version(Context().get(), v1::VersionRequest(), &version).ok());
  auto session = ForwardSession::Open(PortForwardUrl());
  ASSERT_NE(session, nullptr);
  auto forward = session->Forward(kEchoPort);
  ASSERT_TRUE(forward.has_value());
  EXPECT_EQ(Echo(*forward, "still-here"), "still-here");
}

}  // namespace
}  // namespace crio::testing
