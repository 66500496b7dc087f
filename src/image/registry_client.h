// RegistryClient: the Distribution API v2 calls a pull makes, with authentication.
//
// Manifests and blobs are fetched from one PullSource (a registry or mirror). A 401 is met
// by the challenge it carries: Basic with the credentials, or Bearer by fetching a token
// from the realm (service and scope as the registry asked; Basic credentials when there are
// any) and retrying once. Tokens are cached per registry and scope. Everything fetched is
// checked: a manifest against the digest asked for, a blob against its digest and size
// while it streams (more bytes than announced stop the transfer).
//
// Insecure registries are tried over HTTPS without verification, then over plain HTTP.
// Thread-safe: the token cache is guarded; transfers share nothing else.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "image/auth.h"
#include "image/http_transport.h"
#include "image/manifest.h"
#include "image/registries.h"

namespace crio::image {

struct FetchedManifest {
  std::string body;
  std::string content_type;
  std::string digest;  // sha256 of body
};

class RegistryClient {
 public:
  // `certs_dir` holds per-registry CA files: CERTS_DIR/HOST[:PORT]/*.crt.
  RegistryClient(HttpTransport& http, std::string certs_dir)
      : http_(http), certs_dir_(std::move(certs_dir)) {}

  // The manifest `source.reference` names (by digest when it has one, else by tag), or the
  // one with `digest` in the same repository when `digest` is given.
  absl::StatusOr<FetchedManifest> FetchManifest(const PullSource& source,
                                                const Credentials& credentials,
                                                std::string_view digest = "");

  // Streams the blob into `sink`, verifying digest and size; DATA_LOSS when they differ.
  absl::Status FetchBlob(const PullSource& source, const Descriptor& blob,
                         const Credentials& credentials, const BodySink& sink);

 private:
  absl::StatusOr<HttpResponse> Get(const PullSource& source, const std::string& path,
                                   const std::string& accept, const Credentials& credentials,
                                   const BodySink* sink, size_t max_body_bytes);
  absl::StatusOr<HttpResponse> GetOnce(
      const PullSource& source, const std::string& url_path,
      const std::vector<std::pair<std::string, std::string>>& headers, const BodySink* sink,
      size_t max_body_bytes);
  absl::StatusOr<std::string> FetchToken(const PullSource& source, const Challenge& challenge,
                                         const Credentials& credentials);

  HttpTransport& http_;
  const std::string certs_dir_;
  std::mutex mu_;
  std::map<std::string, std::string> tokens_ ABSL_GUARDED_BY(mu_);  // "host scope" → token
};

// The host that serves `domain`'s API: docker.io is served by registry-1.docker.io.
std::string RegistryHost(std::string_view domain);

}  // namespace crio::image
