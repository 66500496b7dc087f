// Content digests: verifying blobs against their descriptors, and the IDs that name
// unpacked layers in containers/storage, as containers/image gives them (so a layer crio
// pulls and one skopeo or podman pulls are the same layer): ID(L0) = hex(DiffID(L0)),
// ID(Ln) = hex(sha256(ID(Ln-1) + "+" + hex(DiffID(Ln)))). (Not the OCI chain ID, which joins
// with a space and keeps the "sha256:" prefixes.)
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

// Layer IDs (64 hex) for the layers whose uncompressed digests are `diff_ids`, bottom first.
std::vector<std::string> LayerIds(const std::vector<std::string>& diff_ids);

}  // namespace crio::image
