// The image configuration blob (OCI image-spec config, also Docker's image JSON): what a
// container of the image runs by default, and the digests of its uncompressed layers.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "image/manifest.h"

namespace crio::image {

struct ImageConfig {
  Platform platform;
  std::string created;  // RFC 3339, as written
  std::string user;
  std::vector<std::string> env;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::string working_dir;
  std::map<std::string, std::string> labels;
  std::string stop_signal;
  std::vector<std::string> volumes;        // sorted
  std::vector<std::string> exposed_ports;  // "80/tcp", sorted
  std::vector<std::string> diff_ids;       // bottom layer first
};

absl::StatusOr<ImageConfig> ParseImageConfig(std::string_view body);

// The user an image runs as, as CRI's Image message reports it: a numeric user gives a uid,
// a name gives a username ("1000:1000" → uid 1000; "www-data:root" → "www-data").
struct ImageUser {
  std::optional<int64_t> uid;
  std::string username;
};
ImageUser ParseImageUser(std::string_view user);

}  // namespace crio::image
