#include "image/curl_transport.h"

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <mutex>

#include "fmt/format.h"

namespace crio::image {
namespace {

struct Transfer {
  const BodySink* sink = nullptr;
  size_t max_body_bytes = 0;
  HttpResponse response;
  long status = 0;  // of the response being received (redirects reset it)
  absl::Status sink_status;
  bool too_large = false;
  // Stall detection: the transfer ends when no byte has arrived for `stall_timeout`.
  std::chrono::seconds stall_timeout{0};
  curl_off_t received = 0;
  std::chrono::steady_clock::time_point last_progress = std::chrono::steady_clock::now();
  bool stalled = false;
};

// libcurl calls this at least once a second during a transfer, data or not.
int OnProgress(void* user, curl_off_t, curl_off_t downloaded, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<Transfer*>(user);
  const auto now = std::chrono::steady_clock::now();
  if (downloaded != transfer->received) {
    transfer->received = downloaded;
    transfer->last_progress = now;
    return 0;
  }
  if (now - transfer->last_progress >= transfer->stall_timeout) {
    transfer->stalled = true;
    return 1;  // abort
  }
  return 0;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    transfer->response.headers.clear();
    const size_t space = line.find(' ');
    transfer->status = space == std::string_view::npos ? 0 : std::atol(line.data() + space + 1);
    return size * count;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front())))
    value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
    value.remove_suffix(1);
  transfer->response.headers[name] = std::string(value);
  return size * count;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::string_view chunk(data, size * count);
  const bool success = transfer->status >= 200 && transfer->status < 300;
  if (transfer->sink != nullptr && success) {
    transfer->sink_status = (*transfer->sink)(chunk);
    return transfer->sink_status.ok() ? chunk.size() : 0;
  }
  if (transfer->response.body.size() + chunk.size() > transfer->max_body_bytes) {
    transfer->too_large = true;
    return 0;
  }
  transfer->response.body.append(chunk);
  return chunk.size();
}

struct CurlFree {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// Adds the certificates of every *.crt file in the request's CA dir to the verification
// store, beside the system CAs curl loaded (containers-certs.d(5)).
CURLcode AddCaDir(CURL*, void* ssl_context, void* user) {
  const auto* ca_dir = static_cast<const std::string*>(user);
  X509_STORE* store = SSL_CTX_get_cert_store(static_cast<SSL_CTX*>(ssl_context));
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(*ca_dir, error)) {
    if (entry.path().extension() != ".crt") continue;
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(entry.path().c_str(), "re"),
                                                  &BIO_free);
    if (!bio) continue;
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      X509_STORE_add_cert(store, cert);  // duplicates are harmless
      X509_free(cert);
    }
    ERR_clear_error();  // the read loop ends on an "no start line" error
  }
  return CURLE_OK;
}

// curl's sockets are made here, close-on-exec from the start: a socket curl made with a
// plain socket() could reach a child another thread spawns before curl set the flag.
curl_socket_t OpenSocket(void*, curlsocktype, curl_sockaddr* address) {
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

void ConfigureTls(CURL* curl, const HttpRequest& request) {
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, request.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, request.verify_tls ? 2L : 0L);
  if (request.ca_dir.empty()) return;
  curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, AddCaDir);
  curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, &request.ca_dir);
}

}  // namespace

CurlTransport::CurlTransport(Options options) : options_(options) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

absl::StatusOr<HttpResponse> CurlTransport::Get(const HttpRequest& request, const BodySink* sink) {
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) return absl::ResourceExhaustedError("curl_easy_init failed");
  Transfer transfer{.sink = sink,
                    .max_body_bytes = request.max_body_bytes,
                    .response = {},
                    .status = 0,
                    .sink_status = absl::OkStatus(),
                    .too_large = false};
  std::unique_ptr<curl_slist, CurlFree> headers;
  for (const auto& [name, value] : request.headers) {
    headers.reset(curl_slist_append(headers.release(), fmt::format("{}: {}", name, value).c_str()));
  }
  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(handle, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, OpenSocket);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT,
                   static_cast<long>(options_.connect_timeout.count()));
  if (options_.stall_timeout.count() > 0) {
    transfer.stall_timeout = options_.stall_timeout;
    curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &transfer);
    curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
  }
  curl_easy_setopt(handle, CURLOPT_USERAGENT, "crio");
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
  ConfigureTls(handle, request);
  const CURLcode code = curl_easy_perform(handle);
  if (!transfer.sink_status.ok()) return transfer.sink_status;
  if (transfer.too_large) {
    return absl::ResourceExhaustedError(
        fmt::format("GET {}: response larger than {} bytes", request.url, request.max_body_bytes));
  }
  if (transfer.stalled) {
    return absl::UnavailableError(fmt::format("GET {}: no data for {}s (pull_progress_timeout)",
                                              request.url, options_.stall_timeout.count()));
  }
  if (code != CURLE_OK) {
    return absl::UnavailableError(fmt::format("GET {}: {}", request.url, curl_easy_strerror(code)));
  }
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &transfer.response.status);
  return std::move(transfer.response);
}

}  // namespace crio::image
