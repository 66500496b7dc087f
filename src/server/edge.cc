#include "server/edge.h"

#include <algorithm>
#include <array>
#include <memory>
#include <optional>

#include "common/base64.h"
#include "common/log.h"
#include "common/strings.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"

namespace crio::server {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr std::array<std::string_view, 4> kCredentialFields = {"auth", "password", "identity_token",
                                                               "registry_token"};

constexpr std::string_view kRedacted = "[REDACTED]";

bool IsCredential(const FieldDescriptor& field) {
  if (field.type() != FieldDescriptor::TYPE_STRING || field.is_repeated()) return false;
  for (const std::string_view name : kCredentialFields) {
    if (field.name() == name) return true;
  }
  return false;
}

Message& Child(Message& message, const FieldDescriptor& field, int index) {
  const auto* reflection = message.GetReflection();
  return index < 0 ? *reflection->MutableMessage(&message, &field)
                   : *reflection->MutableRepeatedMessage(&message, &field, index);
}

const Message& Child(const Message& message, const FieldDescriptor& field, int index) {
  const auto* reflection = message.GetReflection();
  return index < 0 ? reflection->GetMessage(message, &field)
                   : reflection->GetRepeatedMessage(message, &field, index);
}

// Calls visit(holder, field) for every credential field set in `message` or the messages
// under it. `M` is Message or const Message.
template <typename M, typename Visit>
void ForEachCredential(M& message, const Visit& visit) {
  const auto* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (IsCredential(*field)) {
      visit(message, *field);
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!field->is_repeated()) {
        ForEachCredential(Child(message, *field, -1), visit);
        continue;
      }
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        ForEachCredential(Child(message, *field, i), visit);
      }
    }
  }
}

void Redact(Message& message) {
  ForEachCredential(message, [](Message& holder, const FieldDescriptor& field) {
    holder.GetReflection()->SetString(&holder, &field, std::string(kRedacted));
  });
}

// The credential values `request` carries, longest first; for `auth` (base64 of
// "user:password") the decoded pair and the password too.
std::vector<std::string> Credentials(const Message& request) {
  std::vector<std::string> secrets;
  ForEachCredential(request, [&secrets](const Message& holder, const FieldDescriptor& field) {
    std::string value = holder.GetReflection()->GetString(holder, &field);
    if (value.empty()) return;
    if (field.name() == "auth") {
      if (std::optional<std::string> pair = Base64Decode(value)) {
        if (const size_t colon = pair->find(':'); colon != std::string::npos) {
          if (colon + 1 < pair->size()) secrets.push_back(pair->substr(colon + 1));
        }
        if (!pair->empty()) secrets.push_back(std::move(*pair));
      }
    }
    secrets.push_back(std::move(value));
  });
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return secrets;
}

// The level a failed rpc is logged at: error when crio or the host failed (INTERNAL,
// UNKNOWN, DATA_LOSS, UNAVAILABLE), warning when the request was refused or could not be
// met. NOT_FOUND from the status and stats rpcs stays at debug: the kubelet keeps polling
// containers, pods and images it has just removed, so those answers are routine.
log::Level FailureLevel(std::string_view method, absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnavailable:
      return log::Level::kError;
    case absl::StatusCode::kNotFound:
      for (const std::string_view polled : {"ContainerStatus", "PodSandboxStatus", "ImageStatus",
                                            "ContainerStats", "PodSandboxStats"}) {
        if (method == polled) return log::Level::kDebug;
      }
      return log::Level::kWarn;
    default:
      return log::Level::kWarn;
  }
}

// One line for a failed rpc, with the credentials of `request` (when given) scrubbed from
// the message: handlers' errors may quote what they were sent.
void LogFailure(std::string_view method, const absl::Status& status, double millis,
                const Message* request) {
  const log::Level level = FailureLevel(method, status.code());
  if (!log::Enabled(level)) return;
  std::string message(AsStd(status.message()));
  if (request != nullptr) message = ScrubCredentials(std::move(message), *request);
  log::Log(level, "{} {} ({:.3f} ms): {}", method, absl::StatusCodeToString(status.code()), millis,
           message);
}

}  // namespace

std::string ScrubCredentials(std::string text, const Message& request) {
  for (const std::string& secret : Credentials(request)) {
    for (size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + kRedacted.size())) {
      text.replace(at, secret.size(), kRedacted);
    }
  }
  return text;
}

std::string RedactedText(const Message& message) {
  std::unique_ptr<Message> copy(message.New());
  copy->CopyFrom(message);
  Redact(*copy);
  return copy->ShortDebugString();
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(AsStd(status.message())));
}

void RpcEdge::SetReady() {
  absl::MutexLock lock(&mu_);
  ready_ = true;
}

absl::Status RpcEdge::Admission() const {
  if (draining_) return absl::UnavailableError("crio is shutting down");
  if (!ready_) return absl::UnavailableError("crio is still starting up");
  return absl::OkStatus();
}

absl::Status RpcEdge::Enter(std::string_view method) {
  absl::MutexLock lock(&mu_);
  absl::Status admitted = Admission();
  if (admitted.ok()) in_flight_.emplace(method);
  return admitted;
}

void RpcEdge::Leave(std::string_view method) {
  absl::MutexLock lock(&mu_);
  in_flight_.erase(in_flight_.find(method));
}

std::vector<std::string> RpcEdge::Drain(std::chrono::milliseconds grace) {
  absl::MutexLock lock(&mu_);
  draining_ = true;
  const auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_flight_.empty(); };
  mu_.AwaitWithTimeout(absl::Condition(&idle), absl::FromChrono(grace));
  return {in_flight_.begin(), in_flight_.end()};
}

bool RpcEdge::draining() const {
  absl::ReaderMutexLock lock(&mu_);
  return draining_;
}

grpc::Status RpcEdge::Unimplemented(std::string_view method, std::string_view feature) const {
  absl::Status status;
  {
    absl::ReaderMutexLock lock(&mu_);
    status = Admission();
  }
  if (status.ok()) {
    status = absl::UnimplementedError(
        fmt::format("{} is not implemented yet: it arrives with {} support", method, feature));
  }
  LogFailure(method, status, 0, /*request=*/nullptr);
  return ToGrpcStatus(status);
}

void RpcEdge::LogRequest(std::string_view method, const Message& request) {
  if (log::Enabled(log::Level::kTrace)) {
    log::Trace("{} request: {{{}}}", method, RedactedText(request));
  }
}

void RpcEdge::LogResult(std::string_view method, const absl::Status& status, const Message& request,
                        const Message& response, std::chrono::steady_clock::duration latency) {
  const double millis = std::chrono::duration<double, std::milli>(latency).count();
  if (status.ok()) {
    log::Debug("{} OK ({:.3f} ms)", method, millis);
    if (log::Enabled(log::Level::kTrace)) {
      log::Trace("{} response: {{{}}}", method, RedactedText(response));
    }
    return;
  }
  LogFailure(method, status, millis, &request);
}

}  // namespace crio::server
