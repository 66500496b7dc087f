#include "tls/tls.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "tls/self_signed.h"

namespace crio::tls {
namespace {

class TlsTest : public testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/crio-tls-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A self-signed certificate and its key, made with the openssl command.
  bool MakeCertificate(const std::string& name) {
    const std::string command =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test "
        "-keyout " +
        dir_ + "/" + name + ".key -out " + dir_ + "/" + name + ".crt </dev/null >/dev/null 2>&1";
    return std::system(command.c_str()) == 0;
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  std::string dir_;
};

std::string ReadSome(int fd, size_t want) {
  std::string out;
  char buffer[4096];
  while (out.size() < want) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

TEST_F(TlsTest, RefusesMissingOrMismatchedFiles) {
  EXPECT_FALSE(TlsServerConfig::Load("", "", "").ok());
  EXPECT_FALSE(TlsServerConfig::Load(Path("none.crt"), Path("none.key"), "").ok());
  if (!MakeCertificate("a") || !MakeCertificate("b")) GTEST_SKIP() << "no openssl command";
  EXPECT_FALSE(TlsServerConfig::Load(Path("a.crt"), Path("b.key"), "").ok());
  EXPECT_TRUE(TlsServerConfig::Load(Path("a.crt"), Path("a.key"), "").ok());
}

TEST_F(TlsTest, RelaysBothWaysAndEndsWithEitherSide) {
  if (!MakeCertificate("server")) GTEST_SKIP() << "no openssl command";
  auto config = TlsServerConfig::Load(Path("server.crt"), Path("server.key"), "");
  ASSERT_TRUE(config.ok()) << config.status();
  auto client_context = TlsClientContext(Path("server.crt"));  // checks the server
  ASSERT_TRUE(client_context.ok());
  int wire[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, wire), 0);
  std::jthread server_relay, client_relay;
  auto server = StartTlsRelay((*config)->Current(), sys::UniqueFd(wire[0]), true, server_relay);
  auto client = StartTlsRelay(*client_context, sys::UniqueFd(wire[1]), false, client_relay);
  ASSERT_TRUE(server.ok() && client.ok());
  const std::string big(1 << 20, 'q');  // far beyond the relays' buffers
  std::jthread writer([&] { (void)!::write(client->get(), big.data(), big.size()); });
  EXPECT_EQ(ReadSome(server->get(), big.size()), big);
  writer.join();
  ASSERT_EQ(::write(server->get(), "pong", 4), 4);
  EXPECT_EQ(ReadSome(client->get(), 4), "pong");
  server->Reset();  // the session ends: the client sees the end of the stream
  EXPECT_EQ(ReadSome(client->get(), 1), "");
}

TEST_F(TlsTest, ReloadsChangedFiles) {
  if (!MakeCertificate("one") || !MakeCertificate("two")) GTEST_SKIP() << "no openssl command";
  std::filesystem::copy_file(Path("one.crt"), Path("live.crt"));
  std::filesystem::copy_file(Path("one.key"), Path("live.key"));
  auto config = TlsServerConfig::Load(Path("live.crt"), Path("live.key"), "");
  ASSERT_TRUE(config.ok());
  const SslContext first = (*config)->Current();
  EXPECT_EQ((*config)->Current(), first);  // unchanged files: the same context
  std::filesystem::copy_file(Path("two.crt"), Path("live.crt"),
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(Path("two.key"), Path("live.key"),
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_NE((*config)->Current(), first);
  std::ofstream(Path("live.key")) << "broken";
  const SslContext kept = (*config)->Current();
  EXPECT_NE(kept, nullptr);  // broken files: the last good context stays
}

// metrics_cert/metrics_key that do not exist yet (CRI-O's metrics.bats "missing cert/key").
TEST_F(TlsTest, ASelfSignedPairFillsMissingFilesAndServes) {
  const std::string cert = Path("sub/dir/cert.pem"), key = Path("another/dir/key.pem");
  ASSERT_TRUE(EnsureSelfSignedPair(cert, key).ok());
  struct stat info {};
  ASSERT_EQ(::stat(key.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto loaded = TlsServerConfig::Load(cert, key, "");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_NE((*loaded)->Current(), nullptr);
  auto text = [](const std::string& file) {
    std::ifstream in(file);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string first = text(cert);
  ASSERT_TRUE(EnsureSelfSignedPair(cert, key).ok());  // an existing pair stays as it is
  EXPECT_EQ(text(cert), first);
  std::filesystem::remove(key);
  EXPECT_EQ(EnsureSelfSignedPair(cert, key).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(std::filesystem::exists(key)) << "half a pair is not completed";
}

}  // namespace
}  // namespace crio::tls
