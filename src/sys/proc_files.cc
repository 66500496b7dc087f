#include "sys/proc_files.h"

#include <charconv>
#include <filesystem>
#include <sstream>
#include <string_view>

#include "common/read_file.h"

namespace crio::sys {

OpenFiles CountOpenFiles(const std::string& proc) {
  OpenFiles open;
  std::error_code ignored;
  for (auto it = std::filesystem::directory_iterator(proc + "/fd", ignored);
       it != std::filesystem::directory_iterator(); it.increment(ignored)) {
    ++open.files;
    const std::filesystem::path target = std::filesystem::read_symlink(it->path(), ignored);
    if (!ignored && target.native().starts_with("socket:[")) ++open.sockets;
  }
  return open;
}

std::optional<uint64_t> SoftOpenFilesLimit(const std::string& proc) {
  auto limits = ReadFileToString(proc + "/limits", 1 << 16);
  return limits.ok() ? ParseSoftOpenFilesLimit(*limits) : std::nullopt;
}

std::optional<uint64_t> ParseSoftOpenFilesLimit(const std::string& limits_text) {
  constexpr std::string_view kName = "Max open files";
  std::istringstream lines(limits_text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(kName)) continue;
    std::istringstream fields(line.substr(kName.size()));
    std::string soft;
    fields >> soft;
    uint64_t value = 0;
    const auto [end, error] = std::from_chars(soft.data(), soft.data() + soft.size(), value);
    if (error != std::errc() || end != soft.data() + soft.size()) return std::nullopt;  // unlimited
    return value;
  }
  return std::nullopt;
}

}  // namespace crio::sys
