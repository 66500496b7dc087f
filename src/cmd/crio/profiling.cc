#include "cmd/crio/profiling.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/atomic_file.h"
#include "common/errno_status.h"
#include "common/log.h"
#include "common/strings.h"
#include "diagnostics/folded_stacks.h"
#include "diagnostics/heap_stats.h"
#include "diagnostics/thread_capture.h"
#include "diagnostics/thread_dump.h"
#include "fmt/format.h"

namespace crio {
namespace {

// As Go's os.Create, which CRI-O opens the CPU profile with before it samples: a path that
// cannot be written stops start-up, not the shutdown much later.
absl::Status CreateFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoToStatus(errno, fmt::format("open {}", path));
  ::close(fd);
  return absl::OkStatus();
}

std::string Kib(std::optional<uint64_t> kib) {
  return kib ? fmt::format("{} KiB", *kib) : std::string("?");
}

}  // namespace

absl::StatusOr<std::unique_ptr<Profiling>> Profiling::Start(const config::ProfileFlags& flags) {
  if (absl::Status installed = diagnostics::InstallThreadCapture(); !installed.ok()) {
    log::Warn("Thread stacks will be listed without their frames: {}", AsStd(installed.message()));
  }
  std::unique_ptr<Profiling> profiling(new Profiling(flags));
  if (!flags.cpu.empty()) {
    log::Info("Creating CPU profile in: {}", flags.cpu);
    if (absl::Status created = CreateFile(flags.cpu); !created.ok()) {
      return absl::Status(created.code(), fmt::format("could not create CPU profile: {}",
                                                      AsStd(created.message())));
    }
    auto cpu = diagnostics::CpuProfiler::Start();
    if (!cpu.ok()) {
      return absl::Status(cpu.status().code(), fmt::format("could not start CPU profiling: {}",
                                                           AsStd(cpu.status().message())));
    }
    profiling->cpu_ = std::move(*cpu);
  }
  if (flags.profile) {
    auto endpoint = diagnostics::ProfileEndpoint::Start(flags.port, profiling->pprof_);
    if (!endpoint.ok()) {
      return absl::Status(
          endpoint.status().code(),
          fmt::format("Unable to run profiling server: {}", AsStd(endpoint.status().message())));
    }
    profiling->endpoint_ = std::move(*endpoint);
    log::Info("Serving profiles on 127.0.0.1:{} (/debug/pprof/)", profiling->endpoint_->port());
  }
  return profiling;
}

status::DebugAccess Profiling::StatusApiAccess() {
  status::DebugAccess access{.goroutines = [] { return diagnostics::ThreadDumpText(); },
                             .heap = [] { return diagnostics::HeapStatsText(); }};
  if (flags_.unix_socket) {
    access.pprof = [this](const status::HttpRequest& request) { return pprof_.Handle(request); };
  }
  return access;
}

void Profiling::WriteThreadStacks() {
  auto path = diagnostics::WriteStackDump();
  if (!path.ok()) {
    log::Warn("Failed to write goroutine stacks: {}", AsStd(path.status().message()));
    return;
  }
  log::Info("Wrote the stacks of every thread to {}", *path);
}

void Profiling::ReturnFreeHeap() {
  const diagnostics::TrimOutcome trimmed = diagnostics::ReturnFreeHeap();
  log::Info("Returned free heap memory to the system (malloc_trim: {}); resident {} -> {}",
            trimmed.released ? "released memory" : "nothing to release",
            Kib(trimmed.rss_before_kib), Kib(trimmed.rss_after_kib));
}

void Profiling::StopServing() {
  pprof_.Shutdown();
  endpoint_.reset();
}

absl::Status Profiling::WriteProfiles() {
  if (cpu_ != nullptr) {
    const diagnostics::StackCounts counts = cpu_->Stop();
    uint64_t samples = 0;
    for (const auto& [stack, count] : counts) samples += count;
    const std::string folded = diagnostics::FoldStacks(counts, diagnostics::SymbolizingNamer());
    if (absl::Status written = WriteFileAtomically(flags_.cpu, folded, 0644); !written.ok()) {
      return absl::Status(written.code(),
                          fmt::format("could not write CPU profile: {}", AsStd(written.message())));
    }
    log::Info("Wrote the CPU profile ({} samples, {} lost) to {}", samples, cpu_->lost(),
              flags_.cpu);
  }
  if (!flags_.mem.empty()) {
    log::Info("Creating memory profile in: {}", flags_.mem);
    if (absl::Status written = WriteFileAtomically(flags_.mem, diagnostics::HeapStatsText(), 0644);
        !written.ok()) {
      return absl::Status(written.code(), fmt::format("could not write memory profile: {}",
                                                      AsStd(written.message())));
    }
  }
  return absl::OkStatus();
}

}  // namespace crio
