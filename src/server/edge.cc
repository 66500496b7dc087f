#include "server/edge.h"

#include <array>
#include <memory>

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

bool IsCredential(const FieldDescriptor& field) {
  if (field.type() != FieldDescriptor::TYPE_STRING || field.is_repeated()) return false;
  for (const std::string_view name : kCredentialFields) {
    if (field.name() == name) return true;
  }
  return false;
}

void Redact(Message& message) {
  const auto* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (IsCredential(*field)) {
      reflection->SetString(&message, field, "[REDACTED]");
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          Redact(*reflection->MutableRepeatedMessage(&message, field, i));
        }
      } else {
        Redact(*reflection->MutableMessage(&message, field));
      }
    }
  }
}

}  // namespace

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
  log::Debug("{} {}: {}", method, absl::StatusCodeToString(status.code()), AsStd(status.message()));
  return ToGrpcStatus(status);
}

void RpcEdge::LogRequest(std::string_view method, const Message& request) {
  if (log::Enabled(log::Level::kTrace)) {
    log::Trace("{} request: {{{}}}", method, RedactedText(request));
  }
}

void RpcEdge::LogResult(std::string_view method, const absl::Status& status,
                        const Message& response, std::chrono::steady_clock::duration latency) {
  const double millis = std::chrono::duration<double, std::milli>(latency).count();
  if (status.ok()) {
    log::Debug("{} OK ({:.3f} ms)", method, millis);
    if (log::Enabled(log::Level::kTrace)) {
      log::Trace("{} response: {{{}}}", method, RedactedText(response));
    }
    return;
  }
  log::Debug("{} {} ({:.3f} ms): {}", method, absl::StatusCodeToString(status.code()), millis,
             AsStd(status.message()));
}

}  // namespace crio::server
