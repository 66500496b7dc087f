#include "status/status_client.h"

#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http.hpp"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "status/fd_stream.h"
#include "sys/unix_socket.h"

namespace crio::status {
namespace {

namespace http = boost::beast::http;

constexpr size_t kMaxResponseBytes = 16 * 1024 * 1024;

// The "error" field of a JSON error body, or the body itself.
std::string ErrorText(const std::string& body) {
  const auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_string()) {
    return parsed["error"].get<std::string>();
  }
  return body;
}

}  // namespace

absl::StatusOr<std::string> HttpGet(const std::string& socket_path, const std::string& target,
                                    std::chrono::milliseconds timeout) {
  auto fd = sys::ConnectUnix(socket_path);
  if (!fd.ok()) return fd.status();
  FdStream stream(std::move(*fd), timeout);

  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, "localhost");
  request.set(http::field::user_agent, "crio-status");
  request.keep_alive(false);
  boost::system::error_code ec;
  http::write(stream, request, ec);
  if (ec) return absl::UnavailableError(fmt::format("send GET {}: {}", target, ec.message()));

  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBytes);
  http::read(stream, buffer, parser, ec);
  if (ec) return absl::UnavailableError(fmt::format("read GET {}: {}", target, ec.message()));
  const auto& response = parser.get();
  if (response.result() == http::status::ok) return response.body();
  const std::string message =
      fmt::format("GET {}: {} {}: {}", target, response.result_int(),
                  std::string(response.reason()), ErrorText(response.body()));
  return response.result() == http::status::not_found ? absl::NotFoundError(message)
                                                      : absl::UnknownError(message);
}

}  // namespace crio::status
