#include "common/rfc3339.h"

#include <time.h>

#include "fmt/format.h"

namespace crio {

std::string Rfc3339Nano(int64_t nanos) {
  const time_t seconds = static_cast<time_t>(nanos / 1'000'000'000);
  struct tm utc {};
  gmtime_r(&seconds, &utc);
  char date[32];
  strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:09d}Z", date, nanos % 1'000'000'000);
}

}  // namespace crio
