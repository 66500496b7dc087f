#include "server/cri_server.h"

#include <climits>

#include "grpcpp/server_posix.h"

namespace crio::server {
namespace {

int ClampToInt(int64_t value) { return static_cast<int>(std::min<int64_t>(value, INT_MAX)); }

}  // namespace

absl::StatusOr<std::unique_ptr<CriServer>> CriServer::Start(
    const std::vector<grpc::Service*>& services, const Options& options) {
  grpc::ServerBuilder builder;
  for (grpc::Service* service : services) builder.RegisterService(service);
  builder.SetMaxSendMessageSize(ClampToInt(options.max_send_message_bytes));
  builder.SetMaxReceiveMessageSize(ClampToInt(options.max_recv_message_bytes));
  grpc::ResourceQuota quota("crio-cri");
  quota.SetMaxThreads(options.max_threads);
  builder.SetResourceQuota(quota);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) return absl::InternalError("start the gRPC server");
  return std::unique_ptr<CriServer>(new CriServer(std::move(server)));
}

void CriServer::Adopt(sys::UniqueFd fd) {
  grpc::AddInsecureChannelFromFd(server_.get(), fd.Release());
}

void CriServer::Shutdown(std::chrono::milliseconds grace) {
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
}

}  // namespace crio::server
