#include "image/puller.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "common/errno_status.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "image/digest.h"
#include "image/image_config.h"
#include "storage/layer_unpack.h"
#include "storage/tar_split.h"
#include "sys/unique_fd.h"

namespace crio::image {
namespace {

constexpr int64_t kMaxConfigBytes = 8 << 20;

// Errors after which the next source or candidate is worth trying.
bool TryNext(const absl::Status& status) {
  return status.code() == absl::StatusCode::kNotFound ||
         status.code() == absl::StatusCode::kUnavailable;
}

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

absl::StatusOr<std::string> Puller::Pull(const std::string& image, const Credentials& credentials,
                                         const std::string& pod_namespace) {
  ASSIGN_OR_RETURN(const std::shared_ptr<const Policy> policy, PolicyFor(pod_namespace));
  // The key holds credentials only in memory: pulls with other credentials (or under
  // another policy) may see other content, so they do not share.
  const std::string key =
      fmt::format("{}\n{}\n{}\n{}\n{}\n{}", image, credentials.username, credentials.password,
                  credentials.identity_token, credentials.registry_token,
                  static_cast<const void*>(policy.get()));
  return image_pulls_.Do(key, [&] { return PullOnce(image, credentials, *policy); });
}

absl::StatusOr<std::shared_ptr<const Policy>> Puller::PolicyFor(
    const std::string& pod_namespace) const {
  const std::shared_ptr<const Policy> fallback(std::shared_ptr<void>(), &policy_);  // not owned
  if (options_.namespace_policies.empty() || pod_namespace.empty()) return fallback;
  if (pod_namespace.find('/') != std::string::npos || pod_namespace.starts_with('.')) {
    return absl::InvalidArgumentError(
        fmt::format("pod namespace {:?} cannot name a policy file", pod_namespace));
  }
  bool missing = false;
  auto policy = Policy::Load(options_.namespace_policies + "/" + pod_namespace + ".json", &missing);
  if (!policy.ok()) return policy.status();
  if (missing) return fallback;
  return std::make_shared<const Policy>(std::move(*policy));
}

absl::StatusOr<std::string> Puller::PullOnce(const std::string& image,
                                             const Credentials& credentials, const Policy& policy) {
  std::vector<Reference> candidates;
  if (IsShortName(image)) {
    ASSIGN_OR_RETURN(candidates,
                     registries_.Snapshot()->ShortNameCandidates(image, options_.short_name_mode));
  } else {
    ASSIGN_OR_RETURN(Reference reference, ParseQualified(image));
    candidates.push_back(std::move(reference));
  }
  absl::Status last = absl::NotFoundError(fmt::format("pull {}: no candidates", image));
  for (const Reference& candidate : candidates) {
    auto pulled = PullCandidate(candidate, credentials, policy);
    if (pulled.ok() || !TryNext(pulled.status())) return pulled;
    log::Debug("pull {}: {} did not pull: {}", image, candidate.String(),
               AsStd(pulled.status().message()));
    last = pulled.status();
  }
  return last;
}

absl::StatusOr<std::string> Puller::PullCandidate(const Reference& candidate,
                                                  const Credentials& credentials,
                                                  const Policy& policy) {
  std::vector<Requirement> signed_by;
  if (auto trusted = policy.CheckUnsigned(candidate, &signed_by); !trusted.ok()) {
    if (signed_by.empty()) return trusted;  // rejected outright
    if (options_.signatures == nullptr) {   // fail closed
      return absl::FailedPreconditionError(fmt::format(
          "pull {}: the signature policy requires signedBy, and this puller cannot verify "
          "signatures",
          candidate.String()));
    }
  }
  ASSIGN_OR_RETURN(const std::vector<PullSource> sources,
                   registries_.Snapshot()->Resolve(candidate));
  absl::Status last = absl::NotFoundError(fmt::format("pull {}: no sources", candidate.String()));
  for (const PullSource& source : sources) {
    const std::optional<Credentials> from_file = auth_file_.Find(source.reference);
    const Credentials& use = !credentials.empty() || !from_file ? credentials : *from_file;
    auto pulled = PullFrom(candidate, source, use, signed_by);
    if (pulled.ok() || !TryNext(pulled.status())) return pulled;
    last = pulled.status();
  }
  return last;
}

absl::StatusOr<Puller::Resolved> Puller::ResolveManifest(const PullSource& source,
                                                         const Credentials& credentials) {
  Resolved resolved;
  ASSIGN_OR_RETURN(FetchedManifest fetched, client_.FetchManifest(source, credentials));
  resolved.digests.push_back(fetched.digest);
  ASSIGN_OR_RETURN(ParsedManifest parsed, ParseManifest(fetched.body, fetched.content_type));
  if (auto* manifest = std::get_if<Manifest>(&parsed)) {
    resolved.manifest = std::move(*manifest);
    resolved.body = std::move(fetched.body);
    return resolved;
  }
  resolved.index_body = std::move(fetched.body);
  ASSIGN_OR_RETURN(const Descriptor chosen,
                   SelectPlatform(std::get<Index>(parsed), options_.platform));
  ASSIGN_OR_RETURN(FetchedManifest instance,
                   client_.FetchManifest(source, credentials, chosen.digest));
  resolved.digests.push_back(instance.digest);
  ASSIGN_OR_RETURN(ParsedManifest inner, ParseManifest(instance.body, instance.content_type));
  auto* manifest = std::get_if<Manifest>(&inner);
  if (manifest == nullptr) {
    return absl::InvalidArgumentError("invalid manifest: an index entry is itself an index");
  }
  resolved.manifest = std::move(*manifest);
  resolved.body = std::move(instance.body);
  return resolved;
}

// containers/storage's record of how the blob was compressed.
storage::BlobCompression StoredCompression(Compression compression) {
  switch (compression) {
    case Compression::kNone:
      return storage::BlobCompression::kNone;
    case Compression::kGzip:
      return storage::BlobCompression::kGzip;
    case Compression::kZstd:
      return storage::BlobCompression::kZstd;
  }
  return storage::BlobCompression::kNone;
}

absl::Status Puller::StoreLayer(const PullSource& source, const Credentials& credentials,
                                const PulledImage& image, const LayerToStore& layer,
                                const std::function<absl::Status()>& parent_stored,
                                storage::ByteBudget& budget) {
  const Descriptor& blob = layer.blob;
  ASSIGN_OR_RETURN(const Compression compression, LayerCompression(blob.media_type));
  ASSIGN_OR_RETURN(const std::string staging, store_.NewLayerStaging(layer.id));
  auto discard = [&](absl::Status status) {
    if (auto discarded = store_.DiscardLayerStaging(staging); !discarded.ok()) {
      log::Warn("{} (crio removes it at its next start)", AsStd(discarded.message()));
    }
    return status;
  };
  // The blob streams through a socket pair into the unpacker, which runs on its own thread:
  // the layer is unpacked while it downloads, and no copy of the blob touches the disk.
  // The digest is checked when the download ends; a mismatch discards what was unpacked.
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
    return discard(ErrnoToStatus(errno, "socketpair"));
  }
  sys::UniqueFd download_end(ends[0]);
  sys::UniqueFd unpack_end(ends[1]);
  absl::StatusOr<storage::UnpackStats> unpacked = absl::UnknownError("not unpacked");
  storage::TarSplitRecorder tar_split;
  const bool ignore_chown_errors = store_.files().options.ignore_chown_errors;
  std::thread unpacker([&] {
    const storage::LayerReader read = [&](char* buffer, size_t size) -> absl::StatusOr<size_t> {
      ssize_t n;
      while ((n = ::recv(unpack_end.get(), buffer, size, 0)) < 0 && errno == EINTR) {
      }
      if (n < 0) return ErrnoToStatus(errno, "receive the layer");
      return static_cast<size_t>(n);
    };
    unpacked = storage::UnpackLayerFrom(read, compression, staging,
                                        {.max_bytes = budget.limit(),
                                         .image_budget = &budget,
                                         .ignore_chown_errors = ignore_chown_errors},
                                        &tar_split);
    unpack_end.Reset();  // a download still sending learns the unpacker has given up
  });
  // Once the unpacker gives up, the rest of the blob is still downloaded (and dropped) so
  // that its digest is checked: a corrupt blob, not what the unpacker made of it, is then
  // the error, whichever of the two noticed first. The blob's announced size bounds it.
  bool unpacker_gone = false;
  uint64_t transferred = 0;
  const BodySink sink = [&](std::string_view chunk) {
    transferred += chunk.size();
    while (!chunk.empty() && !unpacker_gone) {
      const ssize_t n = ::send(download_end.get(), chunk.data(), chunk.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        unpacker_gone = true;
        break;
      }
      chunk.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  };
  const absl::Status fetched = client_.FetchBlob(source, blob, credentials, sink);
  if (options_.observer.blob_fetched) {
    options_.observer.blob_fetched(image, blob, transferred, true);
  }
  download_end.Reset();  // end of stream
  unpacker.join();
  if (!fetched.ok()) return discard(fetched);
  if (!unpacked.ok()) {
    // Over a bound or out of space stays RESOURCE_EXHAUSTED; anything else is a bad layer.
    const absl::StatusCode code = unpacked.status().code() == absl::StatusCode::kResourceExhausted
                                      ? absl::StatusCode::kResourceExhausted
                                      : absl::StatusCode::kInvalidArgument;
    return discard(
        absl::Status(code, fmt::format("unpack layer {} ({}): {}", blob.digest, blob.media_type,
                                       AsStd(unpacked.status().message()))));
  }
  if (unpacked->diff_id != layer.diff_id) {
    return discard(
        absl::DataLossError(fmt::format("layer {} unpacks to {}, but the image config says {}",
                                        blob.digest, unpacked->diff_id, layer.diff_id)));
  }
  auto split = tar_split.Finish();
  if (!split.ok()) return discard(split.status());
  if (absl::Status below = parent_stored(); !below.ok()) return discard(below);
  return store_.CommitLayer({.id = layer.id,
                             .parent = layer.parent,
                             .diff_digest = layer.diff_id,
                             .diff_size = unpacked->tar_bytes,
                             .compressed_digest = blob.digest,
                             .compressed_size = static_cast<int64_t>(transferred),
                             .compression = StoredCompression(compression),
                             .uids = tar_split.uids(),
                             .gids = tar_split.gids(),
                             .tar_split = std::move(*split)},
                            staging);
}

absl::Status Puller::StoreMissingLayers(const PullSource& source, const Credentials& credentials,
                                        const PulledImage& image, const Manifest& manifest,
                                        const std::vector<std::string>& diff_ids,
                                        const std::vector<std::string>& layer_ids,
                                        storage::ByteBudget& budget) {
  const size_t count = manifest.layers.size();
  // Layer i is committed once layer i-1 is: a worker only waits for a layer handed out
  // before its own, so the waits cannot form a cycle.
  std::vector<std::promise<absl::Status>> stored_promises(count);
  std::vector<std::shared_future<absl::Status>> stored(count);
  for (size_t i = 0; i < count; ++i) stored[i] = stored_promises[i].get_future().share();
  std::atomic<size_t> next{0};
  std::mutex mu;
  absl::Status first_error;
  auto worker = [&] {
    for (size_t i; (i = next++) < count;) {
      absl::Status result = layer_pulls_.Do(layer_ids[i], [&] {
        // Present already, or stored by another pull while this one waited.
        auto present = store_.HasLayer(layer_ids[i]);
        if (present.ok() && *present && options_.observer.layer_reused) {
          options_.observer.layer_reused(image, manifest.layers[i]);
        }
        if (!present.ok() || *present) return present.status();
        const auto parent_stored = [&] {
          return i == 0 ? absl::OkStatus() : stored[i - 1].get();
        };
        return StoreLayer(source, credentials, image,
                          {.blob = manifest.layers[i],
                           .diff_id = diff_ids[i],
                           .id = layer_ids[i],
                           .parent = i == 0 ? "" : layer_ids[i - 1]},
                          parent_stored, budget);
      });
      stored_promises[i].set_value(result);
      if (!result.ok()) {
        std::lock_guard lock(mu);
        if (first_error.ok()) first_error = std::move(result);
        next = count;  // no new layers once one failed
      }
    }
  };
  const size_t threads =
      std::min(static_cast<size_t>(std::max(1, options_.max_parallel)), count);
  std::vector<std::thread> workers;
  for (size_t t = 1; t < threads; ++t) workers.emplace_back(worker);
  worker();
  for (std::thread& thread : workers) thread.join();
  return first_error;
}

absl::StatusOr<std::string> Puller::PullFrom(const Reference& candidate, const PullSource& source,
                                             const Credentials& credentials,
                                             const std::vector<Requirement>& signed_by) {
  ASSIGN_OR_RETURN(const Resolved resolved, ResolveManifest(source, credentials));
  // Signatures name the manifest the reference resolves to (the index, for a multi-platform
  // image), and the image as the user named it, wherever it was pulled from.
  if (!signed_by.empty()) {
    RETURN_IF_ERROR(options_.signatures->Check(candidate, {source, credentials},
                                               resolved.digests.front(), signed_by));
  }
  const Manifest& manifest = resolved.manifest;
  if (manifest.config.size > kMaxConfigBytes) {
    return absl::InvalidArgumentError(
        fmt::format("image config of {} bytes is too large", manifest.config.size));
  }
  PulledImage image{.name = candidate.String(), .size = manifest.config.size};
  for (const Descriptor& layer : manifest.layers) image.size += layer.size;
  std::string config_json;
  const absl::Status fetched = client_.FetchBlob(source, manifest.config, credentials,
                                                 [&config_json](std::string_view chunk) {
                                                   config_json.append(chunk);
                                                   return absl::OkStatus();
                                                 });
  if (options_.observer.blob_fetched) {
    options_.observer.blob_fetched(image, manifest.config, config_json.size(), false);
  }
  RETURN_IF_ERROR(fetched);
  ASSIGN_OR_RETURN(const ImageConfig config, ParseImageConfig(config_json));
  if (config.diff_ids.size() != manifest.layers.size()) {
    return absl::InvalidArgumentError(
        fmt::format("invalid image: {} layers in the manifest, {} in the config",
                    manifest.layers.size(), config.diff_ids.size()));
  }
  const std::vector<std::string> layer_ids = LayerIds(config.diff_ids);
  storage::ByteBudget budget(options_.max_image_bytes);
  RETURN_IF_ERROR(StoreMissingLayers(source, credentials, image, manifest, config.diff_ids,
                                     layer_ids, budget));
  storage::ImageRecord record{.id = manifest.config.digest.substr(7),
                              .repo_tags = {},
                              .repo_digests = {},
                              .layers = layer_ids,
                              .size = image.size,
                              .manifest_digest = resolved.digests.back(),
                              .user = config.user,
                              .pulled_at = NowSeconds()};
  if (!candidate.tag.empty()) record.repo_tags.push_back(candidate.Name() + ":" + candidate.tag);
  for (const std::string& digest : resolved.digests) {
    record.repo_digests.push_back(candidate.Name() + "@" + digest);
  }
  std::vector<storage::StoredManifest> manifests;
  if (!resolved.index_body.empty()) {
    manifests.push_back({resolved.digests.front(), resolved.index_body});
  }
  manifests.push_back({resolved.digests.back(), resolved.body});
  RETURN_IF_ERROR(store_.PutImage(record, config_json, manifests));
  return record.id;
}

}  // namespace crio::image
