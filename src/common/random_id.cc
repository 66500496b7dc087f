#include "common/random_id.h"

#include <sys/random.h>

#include <chrono>

#include "fmt/format.h"

namespace crio {

std::string NewRandomId() {
  unsigned char bytes[32];
  if (::getrandom(bytes, sizeof bytes, 0) != sizeof bytes) {
    // getrandom cannot fail for 32 bytes once the pool is ready; fall back to the clock.
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    for (size_t i = 0; i < sizeof bytes; ++i) bytes[i] = static_cast<unsigned char>(now >> (i % 8));
  }
  std::string id;
  for (const unsigned char byte : bytes) id += fmt::format("{:02x}", byte);
  return id;
}

bool IsRandomId(std::string_view name) {
  return name.size() == 64 && name.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace crio
