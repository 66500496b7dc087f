// Times as Go's time.Time marshals them (RFC 3339 with nanoseconds, UTC): what CRI-O writes
// in its annotations and containers/storage in its records.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>

namespace crio {

// "2026-12-03T12:08:46.247139789Z" for `nanos` since the epoch.
std::string Rfc3339Nano(int64_t nanos);

// Go's time.RFC3339 for `time` in the zone `utc_offset_seconds` east of UTC, with the ':'
// removed as CRI-O names its dump files: "2026-12-08T101500Z", "2026-12-08T111500+0100".
std::string CompactRfc3339(time_t time, long utc_offset_seconds);
// The same for now in the local zone (CRI-O's criocli.Timestamp()).
std::string CompactRfc3339Now();

}  // namespace crio
