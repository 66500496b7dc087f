// Times as Go's time.Time marshals them (RFC 3339 with nanoseconds, UTC): what CRI-O writes
// in its annotations and containers/storage in its records.
#pragma once

#include <cstdint>
#include <string>

namespace crio {

// "2026-12-03T12:08:46.247139789Z" for `nanos` since the epoch.
std::string Rfc3339Nano(int64_t nanos);

}  // namespace crio
