#include "oci/cri_log.h"

namespace crio::oci {

SplitOutput ParseCriLog(std::string_view log) {
  SplitOutput split;
  while (!log.empty()) {
    const size_t end = log.find('\n');
    std::string_view line = log.substr(0, end);
    log.remove_prefix(end == std::string_view::npos ? log.size() : end + 1);
    // TIMESTAMP STREAM TAG CONTENT
    const size_t first = line.find(' ');
    if (first == std::string_view::npos) continue;
    const size_t second = line.find(' ', first + 1);
    if (second == std::string_view::npos) continue;
    const std::string_view stream = line.substr(first + 1, second - first - 1);
    const size_t third = line.find(' ', second + 1);
    const std::string_view tag = line.substr(
        second + 1, third == std::string_view::npos ? std::string_view::npos : third - second - 1);
    const std::string_view content =
        third == std::string_view::npos ? std::string_view() : line.substr(third + 1);
    std::string* sink = stream == "stdout" ? &split.out : stream == "stderr" ? &split.err : nullptr;
    if (sink == nullptr) continue;
    sink->append(content);
    if (tag.find('P') == std::string_view::npos) sink->push_back('\n');
  }
  return split;
}

}  // namespace crio::oci
