// The standard process collector's metrics (the names Prometheus client libraries use,
// without a prefix) for one process, read from its /proc directory when scraped: CPU time,
// resident and virtual memory, open and maximum fds, threads, start time. Stateless.
#pragma once

#include <string>

namespace crio::metrics {

// Appends the process_* families for the process at `proc` ("/proc/self"); a figure that
// cannot be read is left out.
void RenderProcessMetrics(const std::string& proc, std::string& out);

// Exited children of the process at `proc` that nobody reaped yet.
uint64_t DefunctChildren(const std::string& proc);

}  // namespace crio::metrics
