#include "cmd/crio/pod_stack.h"

#include "common/read_file.h"
#include "common/status_macros.h"
#include "sys/unix_socket.h"

namespace crio {

std::string BootId() {
  auto id = ReadFileToString("/proc/sys/kernel/random/boot_id", 128);
  if (!id.ok()) return "";
  while (!id->empty() && id->back() == '\n') id->pop_back();
  return *id;
}

absl::StatusOr<std::unique_ptr<PodStack>> BuildPodStack(const config::Config& config,
                                                        const std::string& cgroup_manager) {
  auto stack = std::make_unique<PodStack>();
  RETURN_IF_ERROR(sys::MakeDirs(config.root.root, 0700));
  ASSIGN_OR_RETURN(stack->db, state::Database::Open(config.root.root + "/state.db"));
  ASSIGN_OR_RETURN(stack->store, sandbox::SandboxStore::Open(*stack->db));
  stack->network = std::make_unique<network::CniPodNetwork>(
      network::CniOptions{.network_dir = config.network.network_dir,
                          .plugin_dirs = config.network.plugin_dirs,
                          .default_network = config.network.cni_default_network});
  std::set<std::string> handlers;
  for (const auto& [name, unused] : config.runtime.runtimes) handlers.insert(name);
  stack->sandboxes = std::make_unique<sandbox::Sandboxes>(
      sandbox::SandboxesOptions{.run_root = config.root.runroot,
                                .namespaces_dir = config.runtime.namespaces_dir,
                                .log_dir = config.root.log_dir,
                                .default_sysctls = config.runtime.default_sysctls,
                                .runtime_handlers = std::move(handlers),
                                .boot_id = BootId(),
                                .cgroup_manager = cgroup_manager},
      *stack->store, *stack->network, stack->isolation);
  RETURN_IF_ERROR(stack->sandboxes->Restore());
  return stack;
}

}  // namespace crio
