// The stacks of every thread of crio, as text: crio's answer to CRI-O's goroutine dump
// (SIGUSR1, `crio status goroutines`, /debug/goroutines, /debug/pprof/goroutine).
//
// For each thread of /proc/self/task: its name, its scheduler state, its user-space stack
// (thread_capture.h) symbolized (symbolizer.h), and the kernel's stack for it where
// /proc/self/task/TID/stack is readable (root with CAP_SYS_ADMIN). A thread that blocks the
// capture signal, exits meanwhile or does not answer in time is listed with the reason
// instead of a stack; the whole dump is bounded in time, so it never hangs crio.
//
// Thread-safe (dumps are serialized by the capture).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace crio::diagnostics {

struct ThreadReport {
  pid_t tid = 0;
  std::string name;                 // /proc/self/task/TID/comm
  std::string state;                // "S (sleeping)"
  std::vector<std::string> frames;  // innermost first, as Describe() words them
  std::string missing;              // why `frames` is empty, when it is
  std::string kernel_stack;         // /proc/self/task/TID/stack, when readable
};

struct DumpLimits {
  std::chrono::milliseconds per_thread{250};
  std::chrono::milliseconds total{5000};  // past it, threads are listed without a stack
};

// Every thread's report, the calling thread's included.
std::vector<ThreadReport> CollectThreadReports(const DumpLimits& limits = {});

// The dump: a header line, then one block per thread (see crio.8, SIGNALS).
std::string FormatThreadDump(std::string_view header, const std::vector<ThreadReport>& threads);

// Collects and formats, with a header naming the process and the time `now`.
std::string ThreadDumpText(const DumpLimits& limits = {});

// The value of `key` in /proc/PID/status text ("State" → "S (sleeping)"); empty if absent.
std::string StatusField(std::string_view status_text, std::string_view key);

// Whether the SigBlk mask in /proc/PID/task/TID/status text blocks `signal`.
bool SignalBlocked(std::string_view status_text, int signal);

// Where SIGUSR1 writes the dump: DIR/crio-goroutine-stacks-TIMESTAMP.log, DIR being $TMPDIR
// or /tmp (Go's os.TempDir(), as CRI-O).
std::string StackDumpPath();

// Writes ThreadDumpText() to StackDumpPath() (mode 0600, atomically); returns the path.
absl::StatusOr<std::string> WriteStackDump();

}  // namespace crio::diagnostics
