// Puller: PullImage's work. From an image name to a stored image, every step checked:
//
//   name → candidates (a short name through registries.conf aliases, then its search
//   registries, in order; the first that pulls wins) → trust policy → sources (mirrors,
//   then the registry) → manifest (an index resolves to this platform's manifest) →
//   config blob → each layer not yet stored: blob (digest and size verified while it
//   streams) → unpacked in a staging dir by the decompressor its media type names, within
//   the image's size bound (diff ID checked) → committed → image recorded with its tag and
//   repo digests.
//
// A failure leaves no partial image: layers are committed only once complete and checked,
// the image row last. Layers already present are not fetched again; concurrent pulls of the
// same image (with the same credentials) share one pull, and of the same layer one transfer.
// Thread-safe as long as its collaborators are (they are).
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/single_flight.h"
#include "image/auth.h"
#include "image/manifest.h"
#include "image/policy.h"
#include "image/registries.h"
#include "image/registry_client.h"
#include "image/signature_check.h"
#include "storage/image_store.h"
#include "storage/layer_unpack.h"

namespace crio::image {

// The image a pull is storing, as its observer is told.
struct PulledImage {
  std::string name;  // the candidate being pulled ("quay.io/crio/fedora:latest")
  int64_t size = 0;  // its manifest's config and layers, compressed
};

// What a pull reports as it goes (crio's metrics); either may be empty. Called from the
// pull's threads.
struct PullObserver {
  // A blob came from a registry: `transferred` of its bytes arrived (fewer when it failed).
  std::function<void(const PulledImage& image, const Descriptor& blob, uint64_t transferred,
                     bool is_layer)>
      blob_fetched;
  // A layer the pull did not fetch because the store had it already.
  std::function<void(const PulledImage& image, const Descriptor& layer)> layer_reused;
};

struct PullerOptions {
  Platform platform;     // the manifest chosen from an index
  int max_parallel = 6;  // layers of one image fetched and unpacked at once
  // Enforces signedBy requirements; without it, images that need a signature are refused.
  const SignatureChecker* signatures = nullptr;
  // signature_policy_dir: NAMESPACE.json policies that replace the policy for pulls made for
  // pods of that namespace; empty: none.
  std::string namespace_policies;
  // [crio.image] short_name_mode: "enforcing" refuses a short name that several search
  // registries could serve; "disabled" tries them in order; empty: registries.conf decides.
  std::string short_name_mode = "enforcing";
  // [crio.image] max_image_size: the most bytes the layers this pull unpacks may decompress to,
  // all together (each layer's whole tar stream counts). A pull over it fails with
  // RESOURCE_EXHAUSTED as soon as it gets there, leaving no partial layer.
  int64_t max_image_bytes = int64_t{64} << 30;
  PullObserver observer;
};

class Puller {
 public:
  Puller(RegistryClient& client, storage::ImageStore& store, const LiveRegistries& registries,
         const Policy& policy, const AuthFile& auth_file, PullerOptions options)
      : client_(client),
        store_(store),
        registries_(registries),
        policy_(policy),
        auth_file_(auth_file),
        options_(std::move(options)) {}

  // Pulls `image`; returns the stored image's ID. `credentials` (from the CRI request) win
  // over the auth file when not empty.
  // `pod_namespace`: the namespace of the pod the image is pulled for, if known.
  absl::StatusOr<std::string> Pull(const std::string& image, const Credentials& credentials,
                                   const std::string& pod_namespace = "");

 private:
  absl::StatusOr<std::string> PullOnce(const std::string& image, const Credentials& credentials,
                                       const Policy& policy);
  absl::StatusOr<std::string> PullCandidate(const Reference& candidate,
                                            const Credentials& credentials, const Policy& policy);
  // The policy for pulls made for pods of `pod_namespace`: its NAMESPACE.json in
  // options_.namespace_policies when there is one, else the default policy.
  absl::StatusOr<std::shared_ptr<const Policy>> PolicyFor(const std::string& pod_namespace) const;
  absl::StatusOr<std::string> PullFrom(const Reference& candidate, const PullSource& source,
                                       const Credentials& credentials,
                                       const std::vector<Requirement>& signed_by);
  // The image manifest for this platform, its body, and the digests of every manifest
  // fetched on the way (the index's, then the instance's), with the index's body if any.
  struct Resolved {
    Manifest manifest;
    std::string body;
    std::vector<std::string> digests;
    std::string index_body;
  };
  absl::StatusOr<Resolved> ResolveManifest(const PullSource& source,
                                           const Credentials& credentials);
  // Fetches and stores every layer of `manifest` not yet stored, up to options_.max_parallel at
  // once, their decompressed bytes charged to `budget`. Layers download and unpack in
  // parallel; each is committed once the layer below it is (the store requires it).
  absl::Status StoreMissingLayers(const PullSource& source, const Credentials& credentials,
                                  const PulledImage& image, const Manifest& manifest,
                                  const std::vector<std::string>& diff_ids,
                                  const std::vector<std::string>& layer_ids,
                                  storage::ByteBudget& budget);
  // One layer to store: its blob, diff ID, layer ID and the ID of the layer below it.
  struct LayerToStore {
    const Descriptor& blob;
    const std::string& diff_id;
    const std::string& id;
    std::string parent;
  };
  // Downloads and unpacks `layer`, waits for `parent_stored`, then commits it.
  absl::Status StoreLayer(const PullSource& source, const Credentials& credentials,
                          const PulledImage& image, const LayerToStore& layer,
                          const std::function<absl::Status()>& parent_stored,
                          storage::ByteBudget& budget);

  RegistryClient& client_;
  storage::ImageStore& store_;
  const LiveRegistries& registries_;
  const Policy& policy_;
  const AuthFile& auth_file_;
  const PullerOptions options_;
  SingleFlight<absl::StatusOr<std::string>> image_pulls_;  // by image and credentials
  SingleFlight<absl::Status> layer_pulls_;                 // by layer ID
};

}  // namespace crio::image
