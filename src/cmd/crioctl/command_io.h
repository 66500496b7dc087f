// What every crioctl verb shares when it talks to the operator: where output and errors
// go, parsing -o, printing structured results, and reporting failures the way crictl does
// ("crioctl: VERB: rpc error: code = Unavailable desc = ..."). Verb files (verbs_*.cc) use
// these so each verb body is only its rpc and its rendering. Stateless; thread-compatible.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <regex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cmd/crioctl/output.h"
#include "google/protobuf/map.h"
#include "grpcpp/support/status.h"
#include "nlohmann/json.hpp"

namespace crio::crioctl {

// A command's streams: std::cout/std::cerr in main, string streams in tests.
struct CommandIo {
  std::ostream& out;
  std::ostream& err;
};

// Parses -o: "json", "yaml" or "table"; empty gives `fallback`. go-template (crictl's
// fourth format) is refused with a message saying so.
absl::StatusOr<OutputFormat> ParseOutputFormat(const std::string& text, OutputFormat fallback);

// Parses -o for verbs that print one document: json (default) or yaml; table is refused.
absl::StatusOr<OutputFormat> ParseDocumentFormat(const std::string& text);

// Writes "crioctl: VERB: MESSAGE" to io.err and returns 1, the exit code of a failure.
int ReportError(const CommandIo& io, const std::string& verb, const std::string& message);

// Reports a failed call as crictl does; an unavailable service also names `endpoint`.
// Returns 1.
int ReportRpcError(const CommandIo& io, const std::string& verb, const std::string& endpoint,
                   const grpc::Status& status);

// Calls `call` for each of `ids` in turn: a failure is reported as crictl does and the
// others still run; a success prints `done(id)` and a newline. Returns 0, or 1 when any
// call failed (or no id was given).
int ForEachId(const std::vector<std::string>& ids, const std::string& verb,
              const std::string& endpoint, const CommandIo& io,
              const std::function<grpc::Status(const std::string& id)>& call,
              const std::function<std::string(const std::string& id)>& done);

// crictl's repeatable --label KEY=VALUE filters as a selector.
absl::StatusOr<std::map<std::string, std::string>> ParseLabelSelector(
    const std::vector<std::string>& labels);

// crictl's matchesRegex: an empty pattern matches everything and one that does not compile
// matches nothing (the listing still succeeds). Go's regexp (RE2) and ECMAScript agree on
// what operators type here: anchors, classes, alternation, repetition.
class RegexFilter final {
 public:
  explicit RegexFilter(const std::string& pattern) : any_(pattern.empty()) {
    if (any_) return;
    try {  // std::regex has no constructor that reports a bad pattern without throwing
      regex_.emplace(pattern);
    } catch (const std::regex_error&) {
    }
  }
  bool Matches(const std::string& text) const {
    return any_ || (regex_.has_value() && std::regex_search(text, *regex_));
  }

 private:
  bool any_;
  std::optional<std::regex> regex_;
};

// Now, in ns since the epoch (what CRI's created_at counts).
int64_t NowNs();

// Writes `value` to io.out as JSON or YAML. REQUIRES: format is kJson or kYaml.
void PrintDocument(const nlohmann::json& value, OutputFormat format, const CommandIo& io);

// Adds each entry of a verbose `info` map to `into` as crictl does: parsed when the value
// is JSON, else as a string.
void MergeVerboseInfo(const google::protobuf::Map<std::string, std::string>& info,
                      nlohmann::json& into);

}  // namespace crio::crioctl
