#include "image/signature.h"

#include <gpgme.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "common/atomic_file.h"
#include "common/base64.h"
#include "common/read_file.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace crio::image {
namespace {

using nlohmann::json;

struct ContextDeleter {
  void operator()(gpgme_ctx_t context) const { gpgme_release(context); }
};
struct DataDeleter {
  void operator()(gpgme_data_t data) const { gpgme_data_release(data); }
};
using Context = std::unique_ptr<gpgme_context, ContextDeleter>;
using Data = std::unique_ptr<gpgme_data, DataDeleter>;

absl::Status GpgError(gpgme_error_t error, std::string_view what) {
  return absl::InternalError(fmt::format("{}: {}", what, gpgme_strerror(error)));
}

// A gpg home directory of its own, removed with the object.
class TempGpgHome {
 public:
  TempGpgHome() {
    char pattern[] = "/tmp/crio-gpg-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) return;
    path_ = pattern;
    // gpg would start a gpg-agent (and dirmngr) for this home and leave it running; public
    // key import and verification need neither; a stray agent is all a failed write costs.
    WriteFileAtomically(path_ + "/gpg.conf", "no-autostart\n", 0600).IgnoreError();
  }
  ~TempGpgHome() {
    // gpgme reaps its gpg processes lazily: one may still be dropping a lock file in here,
    // so removal is retried for a moment.
    for (int attempt = 0; !path_.empty() && attempt < 100; ++attempt) {
      std::error_code error;
      std::filesystem::remove_all(path_, error);
      if (!std::filesystem::exists(path_, error)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  TempGpgHome(const TempGpgHome&) = delete;
  TempGpgHome& operator=(const TempGpgHome&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

absl::StatusOr<Data> DataFrom(const std::string& bytes) {
  gpgme_data_t data = nullptr;
  if (gpgme_error_t error = gpgme_data_new_from_mem(&data, bytes.data(), bytes.size(), 1)) {
    return GpgError(error, "gpgme data");
  }
  return Data(data);
}

std::string ReadAll(gpgme_data_t data) {
  gpgme_data_seek(data, 0, SEEK_SET);
  std::string out;
  char buffer[4096];
  for (ssize_t n; (n = gpgme_data_read(data, buffer, sizeof buffer)) > 0;) {
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

// The claims of a simple signing document; unknown critical fields are refused, as the
// format requires.
absl::StatusOr<SignedClaims> ParseClaims(const std::string& payload) {
  const json document = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  const auto refuse = [](std::string_view why) {
    return absl::PermissionDeniedError(fmt::format("not a simple signing signature: {}", why));
  };
  if (!document.is_object() || !document.contains("critical")) return refuse("no critical part");
  const json& critical = document["critical"];
  if (!critical.is_object() || critical.size() != 3) return refuse("unexpected critical fields");
  if (critical.value("type", "") != "atomic container signature") return refuse("wrong type");
  const json& image = critical.value("image", json());
  const json& identity = critical.value("identity", json());
  if (!image.is_object() || image.size() != 1 || !image.contains("docker-manifest-digest") ||
      !image["docker-manifest-digest"].is_string()) {
    return refuse("no manifest digest");
  }
  if (!identity.is_object() || identity.size() != 1 || !identity.contains("docker-reference") ||
      !identity["docker-reference"].is_string()) {
    return refuse("no docker reference");
  }
  return SignedClaims{.docker_reference = identity["docker-reference"],
                      .manifest_digest = image["docker-manifest-digest"]};
}

// `name` starts with `prefix` at a path component boundary.
bool HasPrefix(const std::string& name, const std::string& prefix) {
  return name == prefix ||
         (name.starts_with(prefix) && (prefix.ends_with('/') || name[prefix.size()] == '/' ||
                                       name[prefix.size()] == ':' || name[prefix.size()] == '@'));
}

bool RepoDigestOrExact(const Reference& pulled, const Reference& signed_reference) {
  if (!pulled.digest.empty()) return pulled.Name() == signed_reference.Name();
  return signed_reference.digest.empty() && pulled.String() == signed_reference.String();
}

}  // namespace

absl::StatusOr<SignedClaims> VerifySignature(const std::string& signature,
                                             const std::vector<std::string>& keyrings) {
  static std::once_flag initialized;
  std::call_once(initialized, [] { gpgme_check_version(nullptr); });
  TempGpgHome home;
  if (home.path().empty()) return absl::InternalError("cannot make a temporary gpg home");
  gpgme_ctx_t raw = nullptr;
  if (gpgme_error_t error = gpgme_new(&raw)) return GpgError(error, "gpgme_new");
  Context context(raw);
  gpgme_set_protocol(context.get(), GPGME_PROTOCOL_OpenPGP);
  if (gpgme_error_t error = gpgme_ctx_set_engine_info(context.get(), GPGME_PROTOCOL_OpenPGP,
                                                      nullptr, home.path().c_str())) {
    return GpgError(error, "gpg home");
  }
  for (const std::string& keyring : keyrings) {
    ASSIGN_OR_RETURN(Data keys, DataFrom(keyring));
    if (gpgme_error_t error = gpgme_op_import(context.get(), keys.get())) {
      return GpgError(error, "import the policy's keys");
    }
  }
  ASSIGN_OR_RETURN(Data signed_data, DataFrom(signature));
  gpgme_data_t plain_raw = nullptr;
  if (gpgme_error_t error = gpgme_data_new(&plain_raw)) return GpgError(error, "gpgme data");
  Data plain(plain_raw);
  if (gpgme_error_t error =
          gpgme_op_verify(context.get(), signed_data.get(), nullptr, plain.get())) {
    return absl::PermissionDeniedError(
        fmt::format("signature does not verify: {}", gpgme_strerror(error)));
  }
  gpgme_verify_result_t result = gpgme_op_verify_result(context.get());
  if (result == nullptr || result->signatures == nullptr || result->signatures->next != nullptr) {
    return absl::PermissionDeniedError("expected exactly one OpenPGP signature");
  }
  const gpgme_signature_t made = result->signatures;
  if (gpg_err_code(made->status) != GPG_ERR_NO_ERROR) {
    // The temporary keyring holds only the requirement's keys: anything else fails here.
    return absl::PermissionDeniedError(fmt::format("signature by {} not accepted: {}",
                                                   made->fpr ? made->fpr : "?",
                                                   gpgme_strerror(made->status)));
  }
  ASSIGN_OR_RETURN(SignedClaims claims, ParseClaims(ReadAll(plain.get())));
  claims.key_fingerprint = made->fpr ? made->fpr : "";
  return claims;
}

bool IdentityMatches(const SignedIdentity& identity, const Reference& pulled,
                     const std::string& signed_reference) {
  auto signed_ref = ParseQualified(signed_reference);
  if (!signed_ref.ok()) return false;
  // A signature may name a repository alone (cosign does): that is no tag, not "latest".
  const std::string_view last_part =
      std::string_view(signed_reference).substr(signed_reference.rfind('/') + 1);
  if (last_part.find_first_of(":@") == std::string_view::npos) signed_ref->tag.clear();
  const std::string& type = identity.type;
  if (type.empty() || type == "matchRepoDigestOrExact")
    return RepoDigestOrExact(pulled, *signed_ref);
  if (type == "matchExact") {
    return pulled.digest.empty() && signed_ref->digest.empty() &&
           pulled.String() == signed_ref->String();
  }
  if (type == "matchRepository") return pulled.Name() == signed_ref->Name();
  if (type == "exactReference") {
    auto wanted = ParseQualified(identity.reference);
    return wanted.ok() && wanted->String() == signed_ref->String();
  }
  if (type == "exactRepository") {
    auto wanted = ParseQualified(identity.repository);
    return wanted.ok() && wanted->Name() == signed_ref->Name();
  }
  if (type == "remapIdentity") {
    const std::string name = pulled.String();
    if (!HasPrefix(name, identity.prefix)) return RepoDigestOrExact(pulled, *signed_ref);
    auto remapped = ParseQualified(identity.signed_prefix + name.substr(identity.prefix.size()));
    return remapped.ok() && RepoDigestOrExact(*remapped, *signed_ref);
  }
  return false;
}

absl::StatusOr<std::vector<std::string>> KeyMaterial(const std::vector<std::string>& paths,
                                                     const std::vector<std::string>& data,
                                                     std::string_view what) {
  std::vector<std::string> keys;
  for (const std::string& path : paths) {
    auto key = ReadFileToString(path, 4 << 20);
    if (!key.ok()) {
      return absl::FailedPreconditionError(
          fmt::format("{} {}: {}", what, path, AsStd(key.status().message())));
    }
    keys.push_back(std::move(*key));
  }
  for (const std::string& text : data) {
    std::optional<std::string> key = Base64Decode(text);
    if (!key) return absl::FailedPreconditionError(fmt::format("{} data is not base64", what));
    keys.push_back(std::move(*key));
  }
  return keys;
}

absl::StatusOr<std::vector<std::string>> RequirementKeys(const Requirement& requirement) {
  return KeyMaterial(requirement.key_paths, requirement.key_data,
                     requirement.type == Requirement::Type::kSigstoreSigned ? "sigstoreSigned key"
                                                                            : "signedBy key");
}

}  // namespace crio::image
