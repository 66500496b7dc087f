// Client: crioctl's connection to a CRI runtime: the runtime and image service stubs over
// unix sockets (one channel when both endpoints are the same), and a fresh deadline for
// each call. With `debug`, every request and response is logged at debug level (secrets
// redacted), as `crictl -D` does. One per command run; not shared between threads.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cri_api.h"
#include "grpcpp/grpcpp.h"

namespace crio::crioctl {

struct ClientOptions {
  std::string runtime_endpoint = "unix:///var/run/crio/crio.sock";
  std::string image_endpoint;  // empty: the runtime endpoint
  std::chrono::milliseconds timeout{2000};
  bool debug = false;
};

// The socket path of a "unix:///path" or bare "/path" endpoint.
absl::StatusOr<std::string> SocketPath(const std::string& endpoint);

// crictl's rendering of a failed call: "rpc error: code = Unavailable desc = ...".
std::string DescribeRpcError(const grpc::Status& status);

class Client {
 public:
  // Fails only on a malformed endpoint: channels connect lazily, on the first call.
  static absl::StatusOr<std::unique_ptr<Client>> Connect(const ClientOptions& options);

  runtime::v1::RuntimeService::Stub& runtime() { return *runtime_; }
  runtime::v1::ImageService::Stub& image() { return *image_; }

  // The endpoints as given; image_endpoint() is the runtime's when none was given.
  const std::string& runtime_endpoint() const { return options_.runtime_endpoint; }
  const std::string& image_endpoint() const;

  // A context whose deadline is the configured timeout from now, or `at_least` when that
  // is longer (pulls get minutes, not crictl's default 2 s).
  std::unique_ptr<grpc::ClientContext> NewContext(
      std::chrono::milliseconds at_least = std::chrono::milliseconds(0)) const;
  const ClientOptions& options() const { return options_; }

 private:
  explicit Client(ClientOptions options) : options_(std::move(options)) {}

  ClientOptions options_;
  std::unique_ptr<runtime::v1::RuntimeService::Stub> runtime_;
  std::unique_ptr<runtime::v1::ImageService::Stub> image_;
};

}  // namespace crio::crioctl
