// Content digests: verifying blobs against their descriptors, and the chain IDs
// that name unpacked layers (OCI image spec: ChainID(L0) = DiffID(L0),
// ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln))).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "common/sha256.h"

namespace crio::image {

// Checks a whole blob against its expected digest and size; DATA_LOSS on a mismatch.
absl::Status VerifyBlob(std::string_view data, std::string_view digest, int64_t size);

// Chain IDs for the layers whose uncompressed digests are `diff_ids`, bottom first.
std::vector<std::string> ChainIds(const std::vector<std::string>& diff_ids);

}  // namespace crio::image
