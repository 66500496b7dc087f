#include "network/cni_watch.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>

#include "common/log.h"
#include "common/strings.h"
#include "sys/unix_socket.h"

namespace crio::network {
namespace {

constexpr uint32_t kEvents = IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO |
                             IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;

}  // namespace

CniConfigWatcher::CniConfigWatcher(std::string network_dir, std::vector<std::string> plugin_dirs,
                                   std::string default_network)
    : network_dir_(std::move(network_dir)),
      plugin_dirs_(std::move(plugin_dirs)),
      default_network_(std::move(default_network)),
      inotify_(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK)),
      stop_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (auto made = sys::MakeDirs(network_dir_, 0755); !made.ok()) {
    log::Warn("Cannot create the CNI network dir: {}", AsStd(made.message()));
  }
  bool watching =
      inotify_.valid() && ::inotify_add_watch(inotify_.get(), network_dir_.c_str(), kEvents) >= 0;
  for (const std::string& dir : plugin_dirs_) {
    if (inotify_) (void)::inotify_add_watch(inotify_.get(), dir.c_str(), kEvents);
  }
  Refresh();
  if (!watching || !stop_) {
    log::Warn("Cannot watch {}; CNI readiness is re-read on every Status call", network_dir_);
    inotify_.Reset();
    return;
  }
  thread_ = std::thread([this] { Watch(); });
}

CniConfigWatcher::~CniConfigWatcher() {
  if (thread_.joinable()) {
    const uint64_t one = 1;
    (void)!::write(stop_.get(), &one, sizeof one);
    thread_.join();
  }
}

absl::Status CniConfigWatcher::Check() {
  if (!inotify_) return FindNetwork(network_dir_, plugin_dirs_, default_network_).status();
  std::lock_guard lock(mu_);
  return state_;
}

void CniConfigWatcher::Refresh() {
  auto network = FindNetwork(network_dir_, plugin_dirs_, default_network_);
  const std::string summary = network.ok() ? network->name + " (" + network->file + ")" : "";
  std::lock_guard lock(mu_);
  const bool changed = network.status() != state_ || summary != summary_ || !refreshed_;
  state_ = network.status();
  summary_ = summary;
  refreshed_ = true;
  if (!changed) return;
  if (network.ok()) {
    log::Info("CNI network {} is ready", summary);
  } else {
    log::Info("CNI network not ready: {}", AsStd(network.status().message()));
  }
}

void CniConfigWatcher::Watch() {
  std::array<char, 4096> buffer;
  for (;;) {
    std::array<pollfd, 2> fds = {pollfd{inotify_.get(), POLLIN, 0}, pollfd{stop_.get(), POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), -1) < 0) continue;
    if (fds[1].revents != 0) return;
    bool changed = false;
    while (::read(inotify_.get(), buffer.data(), buffer.size()) > 0) changed = true;
    if (changed) Refresh();
  }
}

}  // namespace crio::network
