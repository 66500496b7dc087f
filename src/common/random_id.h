// IDs for pods and containers: 64 lowercase hex digits from the kernel's random pool.
#pragma once

#include <string>
#include <string_view>

namespace crio {

std::string NewRandomId();

// Whether `name` has the form NewRandomId gives: what crio named, as far as a name tells.
bool IsRandomId(std::string_view name);

}  // namespace crio
