// LogCapture: while it lives, crio's log lines go to it (log::SetSink) instead of stderr,
// so a test can check what was logged and at which level. One at a time; every thread
// that logs into it must be done before it goes. Header-only.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"

namespace crio::testing {

class LogCapture final : public log::Sink {
 public:
  struct Line {
    log::Level level;
    std::string text;  // the formatted line
  };

  // Captures lines at `level` and above (the global level is restored afterwards).
  explicit LogCapture(log::Level level = log::Level::kTrace) : before_(log::CurrentLevel()) {
    log::SetLevel(level);
    log::SetSink(this);
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  ~LogCapture() override {
    log::SetSink(nullptr);
    log::SetLevel(before_);
  }

  void Write(log::Level level, std::string_view line) override {
    std::lock_guard lock(mu_);
    lines_.push_back({level, std::string(line)});
  }

  // The lines captured so far that contain `text`.
  std::vector<Line> Matching(std::string_view text) const {
    std::lock_guard lock(mu_);
    std::vector<Line> found;
    for (const Line& line : lines_) {
      if (line.text.find(text) != std::string::npos) found.push_back(line);
    }
    return found;
  }

 private:
  const log::Level before_;
  mutable std::mutex mu_;
  std::vector<Line> lines_;
};

}  // namespace crio::testing
