// IDs for pods and containers: 64 lowercase hex digits from the kernel's random pool.
#pragma once

#include <string>

namespace crio {

std::string NewRandomId();

}  // namespace crio
