#include "image/digest.h"

#include <openssl/evp.h>

#include "fmt/format.h"

namespace crio::image {

struct Sha256::State {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  ~State() { EVP_MD_CTX_free(context); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  // Allocation failure here is out of memory, which crio does not try to survive.
  if (state_->context == nullptr ||
      EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr) != 1) {
    std::abort();
  }
}

Sha256::~Sha256() = default;

void Sha256::Update(std::string_view data) {
  EVP_DigestUpdate(state_->context, data.data(), data.size());
}

std::string Sha256::Finish() {
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(state_->context, hash, &length);
  std::string out = "sha256:";
  for (unsigned int i = 0; i < length; ++i) out += fmt::format("{:02x}", hash[i]);
  return out;
}

std::string Sha256Digest(std::string_view data) {
  Sha256 hash;
  hash.Update(data);
  return hash.Finish();
}

absl::Status VerifyBlob(std::string_view data, std::string_view digest, int64_t size) {
  if (static_cast<int64_t>(data.size()) != size) {
    return absl::DataLossError(
        fmt::format("blob {}: got {} bytes, expected {}", digest, data.size(), size));
  }
  if (!digest.starts_with("sha256:")) {
    return absl::UnimplementedError(
        fmt::format("blob {}: only sha256 digests are supported", digest));
  }
  if (const std::string actual = Sha256Digest(data); actual != digest) {
    return absl::DataLossError(fmt::format("blob {}: content has digest {}", digest, actual));
  }
  return absl::OkStatus();
}

std::vector<std::string> ChainIds(const std::vector<std::string>& diff_ids) {
  std::vector<std::string> chain;
  for (const std::string& diff_id : diff_ids) {
    chain.push_back(chain.empty() ? diff_id : Sha256Digest(chain.back() + " " + diff_id));
  }
  return chain;
}

}  // namespace crio::image
