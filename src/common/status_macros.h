// Early-return helpers for absl::Status / absl::StatusOr<T>.
//
//   RETURN_IF_ERROR(WriteFile(path, data));
//   ASSIGN_OR_RETURN(auto cfg, config::Load(sources));
//
// Errors pass up unchanged; add context where it helps the reader with
// crio::Annotate(status, "load config") before returning.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace crio {

// Returns `status` with "`context`: " prefixed to its message; OK stays OK.
absl::Status Annotate(const absl::Status& status, std::string_view context);

}  // namespace crio

#define CRIO_STATUS_CONCAT_INNER(a, b) a##b
#define CRIO_STATUS_CONCAT(a, b) CRIO_STATUS_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                                                        \
  do {                                                                               \
    if (absl::Status crio_status_ = (expr); !crio_status_.ok()) return crio_status_; \
  } while (false)

#define CRIO_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return std::move(tmp).status();   \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  CRIO_ASSIGN_OR_RETURN_IMPL(CRIO_STATUS_CONCAT(crio_statusor_, __LINE__), lhs, expr)
