// FakeTransport: an HttpTransport for tests that answers GETs from a script and records
// the requests it got.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "image/http_transport.h"

namespace crio::testing {

using image::BodySink;
using image::HttpRequest;
using image::HttpResponse;

// Answers GETs from a script: per URL, a queue of responses (the last one repeats).
class FakeTransport final : public image::HttpTransport {
 public:
  void Script(const std::string& url, HttpResponse response) {
    script_[url].push_back(std::move(response));
  }
  // Drops what was scripted for `url` and answers it with `response` from now on.
  void Replace(const std::string& url, HttpResponse response) {
    script_[url] = {std::move(response)};
  }
  void Fail(const std::string& url) { failing_.insert(url); }

  absl::StatusOr<HttpResponse> Get(const HttpRequest& request, const BodySink* sink) override {
    HttpResponse response;
    {
      std::lock_guard lock(mu_);
      requests.push_back(request);
      if (failing_.contains(request.url)) return absl::UnavailableError("connection refused");
      auto found = script_.find(request.url);
      if (found == script_.end()) return HttpResponse{.status = 404, .headers = {}, .body = ""};
      response = found->second.front();
      if (found->second.size() > 1) found->second.pop_front();
    }
    // Slow transfers let concurrent callers overlap; the peak overlap is recorded.
    if (request.url.find("/blobs/") != std::string::npos) {
      const int now = ++blobs_in_flight_;
      for (int peak = max_blobs_in_flight.load(); now > peak;) {
        if (max_blobs_in_flight.compare_exchange_weak(peak, now)) break;
      }
      std::this_thread::sleep_for(blob_delay);
      --blobs_in_flight_;
    }
    if (sink != nullptr && response.status == 200) {
      for (size_t i = 0; i < response.body.size(); i += 3) {  // deliver in small chunks
        if (auto status = (*sink)(std::string_view(response.body).substr(i, 3)); !status.ok()) {
          return status;
        }
      }
      response.body.clear();
    }
    return response;
  }

  std::string AuthorizationOf(size_t index) const {
    for (const auto& [name, value] : requests.at(index).headers) {
      if (name == "Authorization") return value;
    }
    return "";
  }

  size_t CountRequests(std::string_view part) {
    std::lock_guard lock(mu_);
    size_t count = 0;
    for (const HttpRequest& request : requests)
      count += request.url.find(part) != std::string::npos;
    return count;
  }

  std::vector<HttpRequest> requests;  // read only while no Get() runs, or via CountRequests
  std::chrono::milliseconds blob_delay{0};
  std::atomic<int> max_blobs_in_flight{0};

 private:
  std::mutex mu_;
  std::atomic<int> blobs_in_flight_{0};
  std::map<std::string, std::deque<HttpResponse>> script_;
  std::set<std::string> failing_;
};

}  // namespace crio::testing
