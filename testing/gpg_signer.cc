#include "testing/gpg_signer.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "fmt/format.h"
#include "testing/subprocess.h"

namespace crio::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace

GpgSigner::GpgSigner() {
  ::chmod(home_.path().c_str(), 0700);
  const RunResult made = RunCommand(
      {"gpg", "--homedir", home_.path(), "--batch", "--pinentry-mode", "loopback", "--passphrase",
       "", "--quick-gen-key", "crio test <test@crio.invalid>", "ed25519", "sign", "never"},
      std::chrono::seconds(60));
  ok_ = made.exit_code == 0;
}

GpgSigner::~GpgSigner() { RunCommand({"gpgconf", "--homedir", home_.path(), "--kill", "all"}); }

std::string GpgSigner::PublicKey() const {
  return RunCommand({"gpg", "--homedir", home_.path(), "--armor", "--export"}).out;
}

std::string GpgSigner::Sign(const std::string& payload) const {
  const std::string in = home_.WriteFile("payload", payload);
  const std::string out = home_.Join("payload.sig");
  RunCommand({"gpg", "--homedir", home_.path(), "--batch", "--yes", "--pinentry-mode", "loopback",
              "--passphrase", "", "--sign", "--output", out, in},
             std::chrono::seconds(60));
  return ReadAll(out);
}

std::string GpgSigner::SignImage(const std::string& reference,
                                 const std::string& manifest_digest) const {
  return Sign(fmt::format(
      R"({{"critical":{{"identity":{{"docker-reference":"{}"}},"image":{{"docker-manifest-digest":"{}"}},"type":"atomic container signature"}},"optional":{{"creator":"crio tests"}}}})",
      reference, manifest_digest));
}

}  // namespace crio::testing
