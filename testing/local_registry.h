// LocalRegistry: Debian's docker-registry serving plain HTTP on 127.0.0.1 for integration
// tests, with its storage in a temp dir, and a minimal Distribution API client to push
// images into it. Stopped (killed and reaped) with the object.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "testing/temp_dir.h"

namespace crio::testing {

struct RequestAuth;

// The parts of an image's config (the image spec's "config" object) a test image sets.
struct ImageConfig {
  std::string user;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd = {"sh"};
  std::vector<std::string> env;
  std::string working_dir;
  std::vector<std::string> exposed_ports;  // "80/tcp"
  std::string architecture = "amd64";
  std::map<std::string, std::string> annotations;  // the manifest's
  // The config's diff IDs; empty: computed by decompressing the layers (which a hostile
  // layer, such as a decompression bomb, makes slow or impossible).
  std::vector<std::string> diff_ids;
};

struct PushedImage {
  std::string id;               // config digest hex
  std::string manifest_digest;  // "sha256:…"
  size_t manifest_size = 0;
  std::string manifest_type;
};

// One entry of a multi-platform index.
struct IndexEntry {
  PushedImage image;
  std::string os = "linux";
  std::string architecture;
};

class LocalRegistry {
 public:
  struct Options {
    // Serve HTTPS with a certificate from a CA made for the test; the CA is installed in
    // /etc/containers/certs.d/127.0.0.1:PORT/ for as long as the registry runs.
    bool tls = false;
    // Require Basic authentication (htpasswd) with these credentials.
    std::string username;
    std::string password;
  };

  LocalRegistry() : LocalRegistry(Options{}) {}
  explicit LocalRegistry(const Options& options);
  ~LocalRegistry();
  LocalRegistry(const LocalRegistry&) = delete;
  LocalRegistry& operator=(const LocalRegistry&) = delete;

  bool running() const { return pid_ > 0; }
  std::string host() const;  // "127.0.0.1:PORT"

  enum class Format { kOci, kDockerSchema2 };

  // Pushes an image made of `layers` (gzip tars, bottom first) whose config runs as `user`,
  // with an OCI or a Docker schema 2 manifest.
  PushedImage Push(const std::string& repository, const std::string& tag,
                   const std::vector<std::string>& layers, const std::string& user = "",
                   Format format = Format::kOci);
  // Flips a byte of the stored blob `digest` ("sha256:…"), behind the registry's back: it
  // then serves content that does not match its digest.
  bool CorruptBlob(const std::string& digest);

  // An OCI image index under `tag` naming images already pushed to `repository`; returns
  // the index's digest.
  std::string PushIndex(const std::string& repository, const std::string& tag,
                        const std::vector<IndexEntry>& entries);

  // One attached sigstore signature, as cosign pushes it.
  struct SigstoreSignature {
    std::string payload;
    std::string signature;  // base64
    std::string bundle;     // Rekor bundle JSON, or empty
  };
  // Attaches `signatures` to the manifest `manifest_digest` of `repository` under the tag
  // sha256-HEX.sig, as cosign does (one layer per signature); false when a push failed.
  bool PushSigstoreSignatures(const std::string& repository, const std::string& manifest_digest,
                              const std::vector<SigstoreSignature>& signatures);

  // The same with the whole config given. Layers are gzip, zstd or plain tar (told apart by
  // their first bytes).
  PushedImage Push(const std::string& repository, const std::string& tag,
                   const std::vector<std::string>& layers, const ImageConfig& config,
                   Format format = Format::kOci);

 private:
  bool PutBlob(const std::string& repository, const std::string& content);
  std::string Url(const std::string& path) const;
  RequestAuth Auth() const;
  bool MakeCertificates();

  Options options_;
  TempDir dir_;
  std::string certs_d_;  // the certs.d dir installed for this registry
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace crio::testing
