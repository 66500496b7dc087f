// Test clean-up: detaches every mount under a directory, deepest first, so a test that
// failed half-way leaves no mount behind and its temp dir can go.
#pragma once

#include <string>

namespace crio::testing {

void DetachMountsUnder(const std::string& dir);

}  // namespace crio::testing
