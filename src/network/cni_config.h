// CNI configuration discovery: which network pods would join, and whether it is usable.
//
// Follows libcni's rules: files ending .conf, .conflist or .json in the network dir, taken
// in lexical order; the first valid one wins unless a network is named explicitly
// (cni_default_network). A file is valid when it parses, names its network and every plugin
// it lists has an executable in one of the plugin dirs. Reads the disk on every call and
// keeps no state, so it is thread-safe. cni_watch.h keeps the answer current by inotify.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace crio::network {

struct CniNetwork {
  std::string name;
  std::string file;                  // absolute path of the conf/conflist
  std::vector<std::string> plugins;  // plugin types, in chain order
  std::string text;                  // the file's content, as read
};

// Finds the network pods would use. FAILED_PRECONDITION, with CRI-O's wording, when none is
// usable; the message then also says why each candidate file was skipped.
absl::StatusOr<CniNetwork> FindNetwork(const std::string& network_dir,
                                       const std::vector<std::string>& plugin_dirs,
                                       const std::string& default_network);

// Whether pod networking is ready, for the CRI NetworkReady condition.
class NetworkReadiness {
 public:
  virtual ~NetworkReadiness() = default;
  // OK when ready; otherwise the reason, for the condition's message.
  virtual absl::Status Check() = 0;
};

}  // namespace crio::network
