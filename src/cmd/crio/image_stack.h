// The image side of the object graph: store, registries.conf, trust policy, credentials,
// HTTP transport, registry client, puller. Built once at start-up from the configuration.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "image/auth.h"
#include "image/curl_transport.h"
#include "image/images.h"
#include "image/policy.h"
#include "image/puller.h"
#include "image/registries.h"
#include "image/registry_client.h"
#include "storage/image_store.h"

namespace crio {

struct ImageStack {
  std::unique_ptr<storage::ImageStore> store;
  std::unique_ptr<image::LiveRegistries> registries;
  image::Policy policy = image::Policy::AcceptAnything();
  image::AuthFile auth_file;
  std::unique_ptr<image::CurlTransport> http;
  std::unique_ptr<image::RegistryClient> client;
  std::unique_ptr<image::SignatureChecker> signatures;
  std::unique_ptr<image::Puller> puller;
  std::unique_ptr<image::Images> images;
  std::vector<std::string> insecure_registries;  // crio.conf's, kept for registries reloads
};

// Opens the store under [crio] root (reconciling what a crash left), and reads
// registries.conf ($CONTAINERS_REGISTRIES_CONF, else /etc/containers/registries.conf and
// registries.conf.d), the signature policy and the global auth file.
// `observer` hears of every blob the puller fetches or finds stored (the metrics).
absl::StatusOr<std::unique_ptr<ImageStack>> BuildImageStack(const config::Config& config,
                                                            image::PullObserver observer = {});

// Reads registries.conf again (SIGHUP) and puts it in use; on error the old one stays.
absl::Status ReloadRegistries(ImageStack& stack);

}  // namespace crio
