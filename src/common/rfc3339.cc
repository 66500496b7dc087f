#include "common/rfc3339.h"

#include <time.h>

#include <cstdlib>

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

std::string CompactRfc3339(time_t time, long utc_offset_seconds) {
  const time_t shifted = time + utc_offset_seconds;
  struct tm fields {};
  ::gmtime_r(&shifted, &fields);
  char date[32];
  std::strftime(date, sizeof(date), "%Y-%m-%dT%H%M%S", &fields);
  if (utc_offset_seconds == 0) return std::string(date) + "Z";
  const long minutes = std::labs(utc_offset_seconds) / 60;
  return fmt::format("{}{}{:02}{:02}", date, utc_offset_seconds < 0 ? '-' : '+', minutes / 60,
                     minutes % 60);
}

std::string CompactRfc3339Now() {
  const time_t now = ::time(nullptr);
  struct tm local {};
  ::localtime_r(&now, &local);
  return CompactRfc3339(now, local.tm_gmtoff);
}

}  // namespace crio
