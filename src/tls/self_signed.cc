#include "tls/self_signed.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "common/atomic_file.h"
#include "common/status_macros.h"
#include "fmt/format.h"

namespace crio::tls {
namespace {

constexpr long kValiditySeconds = 365L * 24 * 60 * 60;

template <typename T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, decltype([](T* p) { Free(p); })>;

absl::Status OpenSslError(std::string_view what) {
  return absl::InternalError(fmt::format("generate a self-signed certificate: {}", what));
}

// PEM text of what `write` puts into a memory BIO.
template <typename Write>
std::string Pem(Write write) {
  Owned<BIO, BIO_free_all> bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || write(bio.get()) != 1) return "";
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

absl::Status AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  Owned<X509_EXTENSION, X509_EXTENSION_free> extension(
      X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  if (extension == nullptr || X509_add_ext(cert, extension.get(), -1) != 1) {
    return OpenSslError("add an extension");
  }
  return absl::OkStatus();
}

absl::Status MakeParent(const std::string& file) {
  std::error_code error;
  std::filesystem::create_directories(std::filesystem::path(file).parent_path(), error);
  if (error) return absl::InternalError(fmt::format("create the directory of {}: {}", file,
                                                    error.message()));
  return absl::OkStatus();
}

}  // namespace

absl::Status EnsureSelfSignedPair(const std::string& cert_file, const std::string& key_file) {
  const bool have_cert = ::access(cert_file.c_str(), F_OK) == 0;
  const bool have_key = ::access(key_file.c_str(), F_OK) == 0;
  if (have_cert && have_key) return absl::OkStatus();
  if (have_cert || have_key) {
    return absl::FailedPreconditionError(
        fmt::format("{} exists but {} does not", have_cert ? cert_file : key_file,
                    have_cert ? key_file : cert_file));
  }
  Owned<EVP_PKEY, EVP_PKEY_free> key(EVP_EC_gen("P-256"));
  Owned<X509, X509_free> cert(X509_new());
  if (key == nullptr || cert == nullptr) return OpenSslError("make a key");
  X509_set_version(cert.get(), 2);
  uint64_t serial = static_cast<uint64_t>(time(nullptr));
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValiditySeconds);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("crio"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  RETURN_IF_ERROR(AddExtension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"));
  RETURN_IF_ERROR(AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  RETURN_IF_ERROR(AddExtension(cert.get(), NID_ext_key_usage, "serverAuth"));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return OpenSslError("sign");
  const std::string key_pem = Pem([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  const std::string cert_pem = Pem([&](BIO* bio) { return PEM_write_bio_X509(bio, cert.get()); });
  if (key_pem.empty() || cert_pem.empty()) return OpenSslError("write PEM");
  RETURN_IF_ERROR(MakeParent(key_file));
  RETURN_IF_ERROR(MakeParent(cert_file));
  RETURN_IF_ERROR(WriteFileAtomically(key_file, key_pem, 0600));
  return WriteFileAtomically(cert_file, cert_pem, 0644);
}

}  // namespace crio::tls
