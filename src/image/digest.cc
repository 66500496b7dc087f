#include "image/digest.h"

#include "fmt/format.h"

namespace crio::image {

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

std::vector<std::string> LayerIds(const std::vector<std::string>& diff_ids) {
  std::vector<std::string> ids;
  for (const std::string& diff_id : diff_ids) {
    const std::string hex = diff_id.substr(diff_id.find(':') + 1);
    ids.push_back(ids.empty() ? hex : Sha256Digest(ids.back() + "+" + hex).substr(7));
  }
  return ids;
}

}  // namespace crio::image
