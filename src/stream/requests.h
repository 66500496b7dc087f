// What a streaming URL stands for: the validated CRI request it was issued for.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace crio::stream {

struct ExecTarget {
  std::string container_id;
  std::vector<std::string> command;
  bool tty = false;
  bool stdin = false;
  bool stdout = false;
  bool stderr = false;
};

struct AttachTarget {
  std::string container_id;
  bool tty = false;
  bool stdin = false;
  bool stdout = false;
  bool stderr = false;
};

struct PortForwardTarget {
  std::string pod_id;
  std::vector<int32_t> ports;  // may be empty: the client names them
};

using StreamTarget = std::variant<ExecTarget, AttachTarget, PortForwardTarget>;

}  // namespace crio::stream
