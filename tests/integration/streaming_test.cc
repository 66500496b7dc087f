// Exec, Attach and PortForward end to end: crio with real runc and conmon, sessions over
// SPDY and WebSocket through stream::client (what crioctl uses), and crioctl itself.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "fmt/format.h"
#include "stream/client.h"
#include "sys/tcp.h"
#include "testing/free_port.h"
#include "testing/subprocess.h"
#include "tests/integration/container_fixture.h"

namespace crio::testing {
namespace {

using stream::CommandOptions;
using stream::Transport;

// What a container's shell does once its server runs in the background: wait, and exit
// at once on SIGTERM (a PID 1 without a handler would make every stop wait out its timeout).
const std::string kIdle = "trap 'exit 0' TERM; while true; do sleep 0.1; done";

std::string Drain(int fd) {
  std::string out;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<size_t>(n));
  return out;
}

struct Session {
  absl::StatusOr<int> result = absl::UnknownError("not run");
  std::string out;
  std::string err;
};

// Runs the session at `url` with `input` on its stdin (written after `input_delay`).
Session RunSession(const std::string& url, Transport transport, const CommandOptions& options,
                   const std::string& input = "",
                   std::chrono::milliseconds input_delay = std::chrono::milliseconds(0)) {
  int in[2], out[2], err[2];
  EXPECT_EQ(::pipe2(in, O_CLOEXEC), 0);
  EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
  EXPECT_EQ(::pipe2(err, O_CLOEXEC), 0);
  Session session;
  std::thread writer([&] {
    std::this_thread::sleep_for(input_delay);
    (void)!::write(in[1], input.data(), input.size());
    ::close(in[1]);
  });
  std::thread out_reader([&] { session.out = Drain(out[0]); });
  std::thread err_reader([&] { session.err = Drain(err[0]); });
  session.result = stream::RunRemoteCommand(
      url, transport, options,
      {.in = options.stdin ? in[0] : -1, .out = out[1], .err = err[1], .terminal_size = [] {
         return std::optional(stream::TerminalSize{.width = 91, .height = 37});
       }});
  ::close(out[1]);
  ::close(err[1]);
  writer.join();
  out_reader.join();
  err_reader.join();
  ::close(in[0]);
  ::close(out[0]);
  ::close(err[0]);
  return session;
}

// Processes on the host whose command line is exactly `command`.
int CountProcesses(const std::string& command) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = ReadText(entry.path().string() + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline == command + " ") ++count;
  }
  return count;
}

class StreamingTest : public ContainerTest {
 protected:
  std::string RunningContainer(const std::string& name, const std::vector<std::string>& command,
                               bool stdin = false, bool tty = false, bool stdin_once = false) {
    v1::ContainerConfig config = Config(name, command);
    config.set_stdin(stdin);
    config.set_stdin_once(stdin_once);
    config.set_tty(tty);
    const std::string id = Create(config);
    EXPECT_TRUE(Start(id).ok()) << crio_->Log();
    return id;
  }

  std::string Sleeper() {
    return RunningContainer("sleeper",
                            {"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"});
  }

  std::string ExecUrl(const std::string& id, const std::vector<std::string>& command,
                      const CommandOptions& options, grpc::Status* status = nullptr) {
    v1::ExecRequest request;
    request.set_container_id(id);
    for (const std::string& arg : command) request.add_cmd(arg);
    request.set_stdin(options.stdin);
    request.set_stdout(options.stdout);
    request.set_stderr(options.stderr);
    request.set_tty(options.tty);
    v1::ExecResponse response;
    const grpc::Status result = stub_->Exec(Context().get(), request, &response);
    if (status != nullptr) *status = result;
    EXPECT_TRUE(status != nullptr || result.ok()) << result.error_message();
    return response.url();
  }

  std::string PortForwardUrl(const std::string& pod) {
    v1::PortForwardRequest request;
    request.set_pod_sandbox_id(pod);
    v1::PortForwardResponse response;
    const grpc::Status status = stub_->PortForward(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.url();
  }

  // Connects to a local port that forwards to the pod's `port`, sends `request`, and
  // returns all the pod sent back.
  std::string ThroughPortForward(Transport transport, int port, const std::string& request) {
    auto listener = sys::ListenTcp("127.0.0.1", 0);
    EXPECT_TRUE(listener.ok());
    std::atomic<bool> stop{false};
    const std::string url = PortForwardUrl(pod_);
    std::thread forwarder([&] {
      EXPECT_TRUE(stream::ServePortForward(url, transport, port, listener->get(), stop).ok());
    });
    auto client = sys::ConnectTcp("127.0.0.1", sys::BoundPort(listener->get()));
    EXPECT_TRUE(client.ok());
    (void)!::write(client->get(), request.data(), request.size());
    ::shutdown(client->get(), SHUT_WR);  // as `nc -q0`: the request is all
    const std::string answer = Drain(client->get());
    stop = true;
    forwarder.join();
    return answer;
  }
};

TEST_F(StreamingTest, ExecWithEachStreamCombination) {
  const std::string id = Sleeper();
  const std::vector<std::string> command = {"sh", "-c",
                                            "cat; echo to-err >&2; echo to-out; exit 3"};
  struct Case {
    CommandOptions options;
    std::string out, err;
  };
  const std::vector<Case> cases = {
      {{.stdin = false, .stdout = true, .stderr = false}, "to-out\n", ""},
      {{.stdin = false, .stdout = false, .stderr = true}, "", "to-err\n"},
      {{.stdin = false, .stdout = true, .stderr = true}, "to-out\n", "to-err\n"},
      {{.stdin = true, .stdout = true, .stderr = false}, "typed\nto-out\n", ""},
      {{.stdin = true, .stdout = true, .stderr = true}, "typed\nto-out\n", "to-err\n"},
  };
  for (Transport transport : {Transport::kSpdy, Transport::kWebSocket}) {
    for (const Case& c : cases) {
      SCOPED_TRACE(fmt::format("transport {} stdin {} stdout {} stderr {}",
                               transport == Transport::kSpdy ? "spdy" : "websocket",
                               c.options.stdin, c.options.stdout, c.options.stderr));
      const Session session =
          RunSession(ExecUrl(id, command, c.options), transport, c.options, "typed\n");
      ASSERT_TRUE(session.result.ok()) << session.result.status() << crio_->Log();
      EXPECT_EQ(*session.result, 3);  // the real exit code, through the error stream
      EXPECT_EQ(session.out, c.out);
      EXPECT_EQ(session.err, c.err);
    }
  }
}

TEST_F(StreamingTest, ExecStreamsBelongToTheContainersUser) {
  // A process that reopens its stdio by path (/proc/self/fd/N, its tty) needs to own it:
  // the runtime hands the pipes and the terminal to the container's user (runc does), and
  // crio must keep them pipes and a terminal it may give away.
  v1::ContainerConfig config =
      Config("user", {"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"});
  config.mutable_linux()->mutable_security_context()->mutable_run_as_user()->set_value(1000);
  const std::string id = Create(config);
  ASSERT_TRUE(Start(id).ok()) << crio_->Log();
  const CommandOptions pipes{.stdin = true, .stdout = true, .stderr = true};
  const Session piped = RunSession(
      ExecUrl(id, {"sh", "-c", "id -u; cat /proc/self/fd/0; echo err > /proc/self/fd/2"}, pipes),
      Transport::kSpdy, pipes, "reopened\n");
  ASSERT_TRUE(piped.result.ok()) << piped.result.status();
  EXPECT_EQ(*piped.result, 0) << piped.err;
  EXPECT_EQ(piped.out, "1000\nreopened\n");
  EXPECT_EQ(piped.err, "err\n");

  const CommandOptions terminal{.stdin = true, .stdout = true, .stderr = false, .tty = true};
  const Session tty =
      RunSession(ExecUrl(id, {"sh", "-c", "read line; echo via-tty > $(tty); exit 4"}, terminal),
                 Transport::kSpdy, terminal, "go\n");
  ASSERT_TRUE(tty.result.ok()) << tty.result.status();
  EXPECT_EQ(*tty.result, 4) << tty.out;
  EXPECT_NE(tty.out.find("via-tty"), std::string::npos) << tty.out;
  // Streams the client did not ask for are /dev/null, which stays the host's.
  const CommandOptions out_only{.stdin = false, .stdout = true, .stderr = false};
  ASSERT_TRUE(
      RunSession(ExecUrl(id, {"true"}, out_only), Transport::kSpdy, out_only, "").result.ok());
  struct stat null_device {};
  ASSERT_EQ(::stat("/dev/null", &null_device), 0);
  EXPECT_EQ(null_device.st_uid, 0u);
}

TEST_F(StreamingTest, ExecWithTerminalSeesResizes) {
  const std::string id = Sleeper();
  for (Transport transport : {Transport::kSpdy, Transport::kWebSocket}) {
    const CommandOptions options{.stdin = true, .stdout = true, .stderr = false, .tty = true};
    // The command waits for a line, so the size event arrives before it asks.
    const Session session =
        RunSession(ExecUrl(id, {"sh", "-c", "read line; stty size; exit 7"}, options), transport,
                   options, "go\n", std::chrono::milliseconds(800));
    ASSERT_TRUE(session.result.ok()) << session.result.status();
    EXPECT_EQ(*session.result, 7);
    EXPECT_NE(session.out.find("37 91"), std::string::npos) << session.out;
    EXPECT_EQ(session.out.find('\n'), session.out.find("\r\n") + 1) << "a terminal's newlines";
  }
}

TEST_F(StreamingTest, AttachToAContainersShell) {
  const std::string id = RunningContainer(
      "shell", {"sh", "-c", "while read line; do echo \"got $line\"; done; echo bye"},
      /*stdin=*/true, /*tty=*/false, /*stdin_once=*/true);
  v1::AttachRequest request;
  request.set_container_id(id);
  request.set_stdin(true);
  request.set_stdout(true);
  request.set_stderr(true);
  v1::AttachResponse response;
  ASSERT_TRUE(stub_->Attach(Context().get(), request, &response).ok());
  const Session session =
      RunSession(response.url(), Transport::kSpdy, {.stdin = true, .stdout = true, .stderr = true},
                 "one\ntwo\n", std::chrono::milliseconds(300));
  ASSERT_TRUE(session.result.ok()) << session.result.status();
  EXPECT_EQ(session.out, "got one\ngot two\nbye\n");
  // stdin_once: our end of stdin closed the container's, so the shell finished.
  EXPECT_EQ(WaitForExit(id).exit_code(), 0);
}

TEST_F(StreamingTest, AttachWithATerminalResizesIt) {
  const std::string id = RunningContainer("tty", {"sh", "-c", "read line; stty size; exit 0"},
                                          /*stdin=*/true, /*tty=*/true);
  v1::AttachRequest request;
  request.set_container_id(id);
  request.set_stdin(true);
  request.set_stdout(true);
  request.set_tty(true);
  v1::AttachResponse response;
  ASSERT_TRUE(stub_->Attach(Context().get(), request, &response).ok());
  // The size goes through conmon's ctl fifo before the line that makes the shell ask.
  const Session session = RunSession(response.url(), Transport::kWebSocket,
                                     {.stdin = true, .stdout = true, .stderr = false, .tty = true},
                                     "go\n", std::chrono::milliseconds(800));
  ASSERT_TRUE(session.result.ok()) << session.result.status();
  EXPECT_NE(session.out.find("37 91"), std::string::npos) << session.out;
}

TEST_F(StreamingTest, PortForwardToHttpdAndNc) {
  Sleeper();
  RunningContainer("httpd", {"sh", "-c",
                             "mkdir -p /tmp/www && echo hello-from-pod > /tmp/www/index.html && "
                             "httpd -p 8080 -h /tmp/www && " +
                                 kIdle});
  RunningContainer("nc",
                   {"sh", "-c", "(while true; do echo ready-nc | nc -l -p 9090; done) & " + kIdle});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the listeners start
  for (Transport transport : {Transport::kSpdy, Transport::kWebSocket}) {
    const std::string page =
        ThroughPortForward(transport, 8080, "GET /index.html HTTP/1.0\r\n\r\n");
    EXPECT_NE(page.find("200 OK"), std::string::npos) << page;
    EXPECT_NE(page.find("hello-from-pod"), std::string::npos) << page;
    EXPECT_EQ(ThroughPortForward(transport, 9090, ""), "ready-nc\n");
  }
  // Nothing listens there: the client's connection ends, crio stays up.
  EXPECT_EQ(ThroughPortForward(Transport::kSpdy, 9999, "x"), "");
}

TEST_F(StreamingTest, FiftyParallelExecs) {
  const std::string id = Sleeper();
  std::vector<std::thread> clients;
  std::vector<Session> sessions(50);
  for (int i = 0; i < 50; ++i) {
    clients.emplace_back([&, i] {
      const CommandOptions options{.stdout = true, .stderr = true};
      sessions[i] = RunSession(
          ExecUrl(id, {"sh", "-c", fmt::format("echo exec-{}; exit {}", i, i % 5)}, options),
          i % 2 == 0 ? Transport::kSpdy : Transport::kWebSocket, options);
    });
  }
  for (std::thread& client : clients) client.join();
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(sessions[i].result.ok()) << i << ": " << sessions[i].result.status();
    EXPECT_EQ(*sessions[i].result, i % 5);
    EXPECT_EQ(sessions[i].out, fmt::format("exec-{}\n", i));
  }
}

TEST_F(StreamingTest, ClientThatGoesAwayKillsItsExec) {
  const std::string id = Sleeper();
  const int fds_before = static_cast<int>(
      std::distance(std::filesystem::directory_iterator(fmt::format("/proc/{}/fd", crio_->pid())),
                    std::filesystem::directory_iterator()));
  const pid_t client =
      Spawn({BinPath("crioctl"), "-r", crio_->endpoint(), "exec", "-i", id, "sleep", "4242"},
            dir_.Join("crioctl.log"));
  ASSERT_GT(client, 0);
  for (int i = 0; i < 100 && CountProcesses("sleep 4242") == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(CountProcesses("sleep 4242"), 1) << ReadText(dir_.Join("crioctl.log"));
  KillAndReap(client);  // mid-stream, without a goodbye
  int left = 1;
  for (int i = 0; i < 100 && (left = CountProcesses("sleep 4242")) > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(left, 0) << "the exec outlived its client";
  int fds_after = 0;
  for (int i = 0; i < 50; ++i) {
    fds_after = static_cast<int>(
        std::distance(std::filesystem::directory_iterator(fmt::format("/proc/{}/fd", crio_->pid())),
                      std::filesystem::directory_iterator()));
    if (fds_after <= fds_before) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_LE(fds_after, fds_before) << "crio leaked descriptors";
}

TEST_F(StreamingTest, TokensAreSingleUseAndRequestsAreChecked) {
  const std::string id = Sleeper();
  const CommandOptions options{.stdout = true};
  const std::string url = ExecUrl(id, {"true"}, options);
  ASSERT_TRUE(RunSession(url, Transport::kSpdy, options).result.ok());
  const Session reused = RunSession(url, Transport::kSpdy, options);
  ASSERT_FALSE(reused.result.ok());
  EXPECT_NE(reused.result.status().message().find("404"), std::string::npos)
      << reused.result.status();
  const std::string forged = url.substr(0, url.rfind('/') + 1) + "AAAAAAAAAAAAAAAAAAAAAA";
  EXPECT_FALSE(RunSession(forged, Transport::kWebSocket, options).result.ok());

  grpc::Status status;
  ExecUrl(id, {"true"}, {.stdout = true, .stderr = true, .tty = true}, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ExecUrl(id, {"true"}, {}, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ExecUrl(id, {}, options, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ExecUrl("no-such-container", {"true"}, options, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  v1::PortForwardRequest forward;
  forward.set_pod_sandbox_id("no-such-pod");
  v1::PortForwardResponse forwarded;
  EXPECT_EQ(stub_->PortForward(Context().get(), forward, &forwarded).error_code(),
            grpc::StatusCode::NOT_FOUND);
  forward.set_pod_sandbox_id(pod_);
  forward.add_port(70000);
  EXPECT_EQ(stub_->PortForward(Context().get(), forward, &forwarded).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(StreamingTest, CrioctlExecAttachAndPortForward) {
  const std::string id = Sleeper();
  auto crioctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {BinPath("crioctl"), "-r", crio_->endpoint()});
    return RunCommand(args, std::chrono::seconds(60));
  };
  const RunResult exec = crioctl({"exec", id, "sh", "-c", "echo out; echo err >&2; exit 4"});
  EXPECT_EQ(exec.exit_code, 4) << exec.err;
  EXPECT_EQ(exec.out, "out\n");
  EXPECT_EQ(exec.err, "err\n");
  const RunResult websocket =
      crioctl({"exec", "--transport", "websocket", id, "sh", "-c", "echo ws; exit 5"});
  EXPECT_EQ(websocket.exit_code, 5) << websocket.err;
  EXPECT_EQ(websocket.out, "ws\n");
  const RunResult sync = crioctl({"exec", "--sync", id, "sh", "-c", "echo sync; exit 6"});
  EXPECT_EQ(sync.exit_code, 6);
  EXPECT_EQ(sync.out, "sync\n");

  RunningContainer("web", {"sh", "-c",
                           "mkdir -p /tmp/www && echo via-crioctl > /tmp/www/index.html && "
                           "httpd -p 8081 -h /tmp/www && " +
                               kIdle});
  const int local = FreePort();
  const pid_t forward = Spawn({BinPath("crioctl"), "-r", crio_->endpoint(), "port-forward", pod_,
                               fmt::format("{}:8081", local)},
                              dir_.Join("forward.log"));
  std::string page;
  for (int i = 0; i < 50 && page.find("via-crioctl") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    page = RunCommand({"curl", "-s", fmt::format("http://127.0.0.1:{}/index.html", local)}).out;
  }
  ::kill(forward, SIGTERM);
  EXPECT_EQ(testing::WaitForExit(forward, std::chrono::seconds(10)), 0)
      << ReadText(dir_.Join("forward.log"));
  EXPECT_EQ(page, "via-crioctl\n") << ReadText(dir_.Join("forward.log"));
}

// The streaming server over TLS (stream_enable_tls), with a certificate made here.
class StreamingTlsTest : public StreamingTest {
 protected:
  std::string ExtraConfig() override {
    const std::string cert = dir_.Join("stream.crt");
    const std::string key = dir_.Join("stream.key");
    const RunResult made =
        RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert});
    EXPECT_EQ(made.exit_code, 0) << made.err;
    return "[crio.api]\nstream_enable_tls = true\nstream_tls_cert = \"" + cert +
           "\"\nstream_tls_key = \"" + key + "\"\n";
  }
};

TEST_F(StreamingTlsTest, ExecAndPortForwardOverTls) {
  const std::string id = Sleeper();
  const CommandOptions options{.stdin = true, .stdout = true, .stderr = true};
  const std::string url = ExecUrl(id, {"sh", "-c", "cat; echo e >&2; exit 2"}, options);
  ASSERT_TRUE(url.starts_with("https://127.0.0.1:")) << url;
  for (Transport transport : {Transport::kSpdy, Transport::kWebSocket}) {
    const std::string fresh = ExecUrl(id, {"sh", "-c", "cat; echo e >&2; exit 2"}, options);
    const Session session = RunSession(fresh, transport, options, std::string(200 << 10, 'x'));
    ASSERT_TRUE(session.result.ok()) << session.result.status() << crio_->Log();
    EXPECT_EQ(*session.result, 2);
    EXPECT_EQ(session.out, std::string(200 << 10, 'x'));  // larger than the relay's buffers
    EXPECT_EQ(session.err, "e\n");
  }
  // Plain HTTP to the TLS port gets no session.
  std::string plain = url;
  plain.replace(0, 5, "http");
  EXPECT_FALSE(RunSession(plain, Transport::kSpdy, options).result.ok());

  RunningContainer("httpd", {"sh", "-c",
                             "mkdir -p /tmp/www && echo over-tls > /tmp/www/index.html && "
                             "httpd -p 8080 -h /tmp/www && " +
                                 kIdle});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_NE(ThroughPortForward(Transport::kSpdy, 8080, "GET /index.html HTTP/1.0\r\n\r\n")
                .find("over-tls"),
            std::string::npos);
}

}  // namespace
}  // namespace crio::testing
