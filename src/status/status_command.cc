#include "status/status_command.h"

#include <chrono>

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

}  // namespace crio::status
