#include "cmd/crioctl/client.h"

#include <vector>

#include "cmd/crioctl/output.h"
#include "common/log.h"
#include "fmt/format.h"
#include "grpcpp/support/client_interceptor.h"

namespace crio::crioctl {
namespace {

// As CRI-O's default; large lists of containers or images exceed gRPC's 4 MiB.
constexpr int kMaxMessageBytes = 80 * 1024 * 1024;

namespace experimental = grpc::experimental;

// Logs each message a call sends and receives. Generated CRI stubs pass protobuf
// messages, so the unserialized forms gRPC hands interceptors are Messages.
class DebugInterceptor final : public experimental::Interceptor {
 public:
  explicit DebugInterceptor(std::string method) : method_(std::move(method)) {}

  void Intercept(experimental::InterceptorBatchMethods* methods) override {
    using Point = experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(Point::PRE_SEND_MESSAGE)) {
      if (const void* message = methods->GetSendMessage()) {
        log::Debug("{} request: {}", method_,
                   DebugText(*static_cast<const google::protobuf::Message*>(message)));
      }
    }
    if (methods->QueryInterceptionHookPoint(Point::POST_RECV_MESSAGE)) {
      if (void* message = methods->GetRecvMessage()) {
        log::Debug("{} response: {}", method_,
                   DebugText(*static_cast<const google::protobuf::Message*>(message)));
      }
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
};

class DebugInterceptorFactory final : public experimental::ClientInterceptorFactoryInterface {
 public:
  experimental::Interceptor* CreateClientInterceptor(experimental::ClientRpcInfo* info) override {
    return new DebugInterceptor(info->method());  // gRPC owns interceptors
  }
};

std::shared_ptr<grpc::Channel> UnixChannel(const std::string& path, bool debug) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(kMaxMessageBytes);
  arguments.SetMaxSendMessageSize(kMaxMessageBytes);
  std::vector<std::unique_ptr<experimental::ClientInterceptorFactoryInterface>> interceptors;
  if (debug) interceptors.push_back(std::make_unique<DebugInterceptorFactory>());
  return experimental::CreateCustomChannelWithInterceptors(
      "unix:" + path, grpc::InsecureChannelCredentials(), arguments, std::move(interceptors));
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
  auto runtime_channel = UnixChannel(*runtime_path, options.debug);
  client->runtime_ = runtime::v1::RuntimeService::NewStub(runtime_channel);
  client->image_ = runtime::v1::ImageService::NewStub(
      *image_path == *runtime_path ? runtime_channel : UnixChannel(*image_path, options.debug));
  return client;
}

const std::string& Client::image_endpoint() const {
  return options_.image_endpoint.empty() ? options_.runtime_endpoint : options_.image_endpoint;
}

std::unique_ptr<grpc::ClientContext> Client::NewContext(std::chrono::milliseconds at_least) const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::max(options_.timeout, at_least));
  return context;
}

}  // namespace crio::crioctl
