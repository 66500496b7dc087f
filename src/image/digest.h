// Content digests: streaming SHA-256 for verifying blobs as they arrive, and the chain IDs
// that name unpacked layers (OCI image spec: ChainID(L0) = DiffID(L0),
// ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln))).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace crio::image {

// Incremental SHA-256. Not thread-safe; one per stream.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data);
  // "sha256:<64 lowercase hex>"; the object is spent afterwards.
  std::string Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string Sha256Digest(std::string_view data);

// Checks a whole blob against its expected digest and size; DATA_LOSS on a mismatch.
absl::Status VerifyBlob(std::string_view data, std::string_view digest, int64_t size);

// Chain IDs for the layers whose uncompressed digests are `diff_ids`, bottom first.
std::vector<std::string> ChainIds(const std::vector<std::string>& diff_ids);

}  // namespace crio::image
