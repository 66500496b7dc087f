#include "stream/token_cache.h"

#include <openssl/rand.h>

#include <algorithm>

#include "common/base64.h"

namespace crio::stream {
namespace {

std::string NewToken() {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof bytes);
  std::string token = Base64Encode(std::string_view(reinterpret_cast<char*>(bytes), sizeof bytes));
  std::replace(token.begin(), token.end(), '+', '-');
  std::replace(token.begin(), token.end(), '/', '_');
  token.erase(std::remove(token.begin(), token.end(), '='), token.end());
  return token;
}

}  // namespace

void TokenCache::DropExpired(Clock::time_point now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->second.expires <= now ? entries_.erase(it) : std::next(it);
  }
}

absl::StatusOr<std::string> TokenCache::Insert(StreamTarget target) {
  const Clock::time_point now = options_.now();
  std::lock_guard lock(mu_);
  DropExpired(now);
  if (entries_.size() >= options_.capacity) {
    return absl::ResourceExhaustedError("too many streaming requests in flight; try again later");
  }
  std::string token;
  do {
    token = NewToken();
  } while (entries_.count(token) != 0);
  entries_.emplace(token, Entry{std::move(target), now + options_.ttl});
  return token;
}

std::optional<StreamTarget> TokenCache::Consume(const std::string& token) {
  const Clock::time_point now = options_.now();
  std::lock_guard lock(mu_);
  auto it = entries_.find(token);
  if (it == entries_.end()) return std::nullopt;
  Entry entry = std::move(it->second);
  entries_.erase(it);
  if (entry.expires <= now) return std::nullopt;
  return std::move(entry.target);
}

}  // namespace crio::stream
