#include "stream/budget.h"

#include <optional>
#include <system_error>
#include <utility>

#include "fmt/format.h"

namespace crio::stream {
namespace {

const char* NameOf(StreamBudget::Kind kind) {
  switch (kind) {
    case StreamBudget::Kind::kConnection:
      return "connections";
    case StreamBudget::Kind::kStream:
      return "streams";
    case StreamBudget::Kind::kThread:
      return "threads";
  }
  return "?";
}

}  // namespace

StreamBudget::Lease::Lease(Lease&& other) noexcept
    : budget_(std::exchange(other.budget_, nullptr)), kind_(other.kind_) {}

StreamBudget::Lease& StreamBudget::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (budget_ != nullptr) budget_->Give(kind_);
    budget_ = std::exchange(other.budget_, nullptr);
    kind_ = other.kind_;
  }
  return *this;
}

StreamBudget::Lease::~Lease() {
  if (budget_ != nullptr) budget_->Give(kind_);
}

size_t& StreamBudget::CountOf(Kind kind) {
  switch (kind) {
    case Kind::kConnection:
      return used_.connections;
    case Kind::kStream:
      return used_.streams;
    case Kind::kThread:
      break;
  }
  return used_.threads;
}

absl::StatusOr<StreamBudget::Lease> StreamBudget::Take(Kind kind) {
  const size_t limit = kind == Kind::kConnection ? limits_.max_connections
                       : kind == Kind::kStream   ? limits_.max_streams
                                                 : limits_.max_threads;
  std::lock_guard lock(mu_);
  size_t& count = CountOf(kind);
  if (count >= limit) {
    return absl::ResourceExhaustedError(
        fmt::format("streaming server: too many open {} (limit {})", NameOf(kind), limit));
  }
  ++count;
  return Lease(this, kind);
}

void StreamBudget::Give(Kind kind) {
  std::lock_guard lock(mu_);
  --CountOf(kind);
}

bool StreamBudget::TakeBytes(size_t bytes) {
  std::lock_guard lock(mu_);
  if (bytes > limits_.max_bytes - used_.bytes) return false;
  used_.bytes += bytes;
  return true;
}

void StreamBudget::GiveBytes(size_t bytes) {
  std::lock_guard lock(mu_);
  used_.bytes -= bytes;
}

StreamBudget::Usage StreamBudget::usage() const {
  std::lock_guard lock(mu_);
  return used_;
}

absl::StatusOr<std::thread> StartThread(StreamBudget* budget, absl::AnyInvocable<void()> body) {
  std::optional<StreamBudget::Lease> lease;
  if (budget != nullptr) {
    absl::StatusOr<StreamBudget::Lease> taken = budget->Take(StreamBudget::Kind::kThread);
    if (!taken.ok()) return taken.status();
    lease.emplace(std::move(*taken));
  }
  try {
    return std::thread([lease = std::move(lease), body = std::move(body)]() mutable {
      body();
      lease.reset();
    });
  } catch (const std::system_error& error) {
    // EAGAIN from pthread_create (RLIMIT_NPROC, pids cgroup, memory): refuse this one
    // request rather than abort crio. The lambda, lease included, is gone by now.
    return absl::ResourceExhaustedError(
        fmt::format("streaming server: cannot start a thread: {}", error.what()));
  }
}

void StartHelperThread(StreamBudget* budget, std::vector<std::thread>& into,
                       absl::Status& first_error, absl::AnyInvocable<void()> body) {
  if (!first_error.ok()) return;
  absl::StatusOr<std::thread> thread = StartThread(budget, std::move(body));
  if (thread.ok()) {
    into.push_back(std::move(*thread));
  } else {
    first_error = thread.status();
  }
}

ThreadGroup::~ThreadGroup() {
  std::list<Member> members;
  {
    std::lock_guard lock(mu_);
    members.swap(members_);  // nodes stay where they are: running threads still reach theirs
  }
  for (Member& member : members) member.thread.join();
}

void ThreadGroup::ReapFinished() {
  for (auto it = members_.begin(); it != members_.end();) {
    if (!it->done) {
      ++it;
      continue;
    }
    it->thread.join();  // it has returned from its body: this waits only for its exit
    it = members_.erase(it);
  }
}

absl::Status ThreadGroup::Start(absl::AnyInvocable<void()> body) {
  std::lock_guard lock(mu_);
  ReapFinished();
  Member& member = members_.emplace_back();
  absl::StatusOr<std::thread> thread =
      StartThread(budget_, [this, &member, body = std::move(body)]() mutable {
        body();
        std::lock_guard ended(mu_);
        member.done = true;
      });
  if (!thread.ok()) {
    members_.pop_back();
    return thread.status();
  }
  member.thread = std::move(*thread);
  return absl::OkStatus();
}

size_t ThreadGroup::size() {
  std::lock_guard lock(mu_);
  return members_.size();
}

}  // namespace crio::stream
