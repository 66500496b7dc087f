// ContainerStore: containers persisted in crio's state database, one row per container
// (id, reservation name, pod id and the Container as JSON). Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "container/container.h"
#include "state/database.h"

namespace crio::container {

class ContainerStore {
 public:
  static absl::StatusOr<std::unique_ptr<ContainerStore>> Open(state::Database& db);

  absl::Status Save(const Container& container, const std::string& name);
  absl::Status Delete(const std::string& id);
  // Every stored container; rows that cannot be decoded are reported in `corrupt`.
  absl::StatusOr<std::vector<Container>> LoadAll(std::vector<std::string>* corrupt);

 private:
  explicit ContainerStore(state::Database& db) : db_(db) {}
  state::Database& db_;
};

std::string EncodeContainer(const Container& container);
absl::StatusOr<Container> DecodeContainer(const std::string& text);

}  // namespace crio::container
