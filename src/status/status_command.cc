#include "status/status_command.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

#include "common/log.h"
#include "common/rfc3339.h"
#include "common/strings.h"
#include "nlohmann/json.hpp"
#include "status/status_client.h"
#include "status/status_text.h"

namespace crio::status {
namespace {

constexpr std::chrono::seconds kTimeout(10);

absl::StatusOr<std::string> Answer(const std::string& socket, Query query,
                                   const std::string& container_id) {
  if (query == Query::kConfig) return HttpGet(socket, "/config", kTimeout);
  if (query == Query::kGoroutines) return HttpGet(socket, "/debug/goroutines", kTimeout);
  if (query == Query::kContainer && container_id.empty()) {
    return absl::InvalidArgumentError("the argument --id cannot be empty");
  }
  const std::string target = query == Query::kInfo ? "/info" : "/containers/" + container_id;
  auto body = HttpGet(socket, target, kTimeout);
  if (!body.ok()) return body.status();
  const nlohmann::json parsed = nlohmann::json::parse(*body, nullptr, /*allow_exceptions=*/false);
  return query == Query::kInfo ? InfoText(parsed) : ContainerText(parsed);
}

}  // namespace

int PrintQuery(const std::string& socket, Query query, const std::string& container_id,
               std::ostream& out, std::ostream& err) {
  const absl::StatusOr<std::string> answer = Answer(socket, query, container_id);
  if (!answer.ok()) {
    err << AsStd(answer.status().message()) << "\n";
    return 1;
  }
  out << *answer;
  return 0;
}

std::string DefaultHeapFile() { return "crio-heap-" + CompactRfc3339Now() + ".out"; }

int WriteHeap(const std::string& socket, const std::string& file, std::ostream& out,
              std::ostream& err) {
  const absl::StatusOr<std::string> heap = HttpGet(socket, "/debug/heap", kTimeout);
  if (!heap.ok()) {
    err << AsStd(heap.status().message()) << "\n";
    return 1;
  }
  if (file == "-") {
    out << *heap;
    return out.good() ? 0 : 1;
  }
  const std::string path = file.empty() ? DefaultHeapFile() : file;
  std::ofstream written(path, std::ios::binary | std::ios::trunc);
  written << *heap;
  written.close();
  if (!written) {
    err << "create output file " << path << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  log::Info("Wrote heap dump to: {}", path);
  return 0;
}

}  // namespace crio::status
