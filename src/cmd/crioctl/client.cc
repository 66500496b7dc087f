#include "cmd/crioctl/client.h"

#include "fmt/format.h"

namespace crio::crioctl {
namespace {

// As CRI-O's default; large lists of containers or images exceed gRPC's 4 MiB.
constexpr int kMaxMessageBytes = 80 * 1024 * 1024;

std::shared_ptr<grpc::Channel> UnixChannel(const std::string& path) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(kMaxMessageBytes);
  arguments.SetMaxSendMessageSize(kMaxMessageBytes);
  return grpc::CreateCustomChannel("unix:" + path, grpc::InsecureChannelCredentials(), arguments);
}

// gRPC's code names as Go spells them, which is what crictl prints.
const char* CodeName(grpc::StatusCode code) {
  static const char* kNames[] = {
      "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  const int index = static_cast<int>(code);
  return index >= 0 && index < static_cast<int>(std::size(kNames)) ? kNames[index] : "Unknown";
}

}  // namespace

absl::StatusOr<std::string> SocketPath(const std::string& endpoint) {
  constexpr std::string_view kUnix = "unix://";
  std::string path = endpoint;
  if (path.starts_with(kUnix)) path = path.substr(kUnix.size());
  if (path.empty() || path.front() != '/') {
    return absl::InvalidArgumentError(fmt::format(
        "endpoint \"{}\": expected unix:///path/to/socket or an absolute path", endpoint));
  }
  return path;
}

std::string DescribeRpcError(const grpc::Status& status) {
  return fmt::format("rpc error: code = {} desc = {}", CodeName(status.error_code()),
                     status.error_message());
}

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(const ClientOptions& options) {
  auto runtime_path = SocketPath(options.runtime_endpoint);
  if (!runtime_path.ok()) return runtime_path.status();
  auto image_path = SocketPath(options.image_endpoint.empty() ? options.runtime_endpoint
                                                              : options.image_endpoint);
  if (!image_path.ok()) return image_path.status();
  std::unique_ptr<Client> client(new Client(options));
  auto runtime_channel = UnixChannel(*runtime_path);
  client->runtime_ = runtime::v1::RuntimeService::NewStub(runtime_channel);
  client->image_ = runtime::v1::ImageService::NewStub(
      *image_path == *runtime_path ? runtime_channel : UnixChannel(*image_path));
  return client;
}

std::unique_ptr<grpc::ClientContext> Client::NewContext(std::chrono::milliseconds at_least) const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::max(options_.timeout, at_least));
  return context;
}

}  // namespace crio::crioctl
