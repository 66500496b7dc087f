// SHA-256 of byte streams, in OCI digest form ("sha256:<64 lowercase hex>").
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace crio {

// Incremental SHA-256. Not thread-safe; one per stream.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data);
  // "sha256:<64 lowercase hex>"; the object is spent afterwards.
  std::string Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string Sha256Digest(std::string_view data);

}  // namespace crio
