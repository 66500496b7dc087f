#include "network/cni.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/base64.h"
#include "common/read_file.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "fmt/format.h"
#include "network/cni_config.h"
#include "nlohmann/json.hpp"
#include "sys/process.h"
#include "sys/unix_socket.h"

namespace crio::network {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// The bucket size kubernetes gives the bandwidth plugin when only a rate is set.
constexpr uint64_t kBandwidthBurst = 2147483647;
constexpr uint64_t kMaxCacheBytes = 1 << 20;

// One network configuration as executed: its name, version and plugin chain.
struct Chain {
  std::string name;
  std::string version;
  std::vector<json> plugins;
  std::string text;            // the configuration's bytes, for the cache
  bool disable_check = false;  // the list says runtimes must not call CHECK
};

absl::StatusOr<Chain> ParseChain(const std::string& text) {
  json conf = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (conf.is_discarded() || !conf.is_object()) {
    return absl::InvalidArgumentError("CNI configuration is not a JSON object");
  }
  Chain chain{.name = conf.value("name", ""),
              .version = conf.value("cniVersion", "0.1.0"),
              .plugins = {},
              .text = text,
              .disable_check = conf.value("disableCheck", false)};
  if (conf.contains("plugins") && conf["plugins"].is_array()) {
    for (const json& plugin : conf["plugins"]) chain.plugins.push_back(plugin);
  } else {
    chain.plugins.push_back(conf);
  }
  return chain;
}

std::string CacheFile(const CniOptions& options, const std::string& network,
                      const Attachment& attachment) {
  return fmt::format("{}/results/{}-{}-{}", options.cache_dir, network, attachment.pod_id,
                     attachment.interface);
}

std::vector<std::pair<std::string, std::string>> CniArgs(const Attachment& attachment) {
  return {{"IgnoreUnknown", "1"},
          {"K8S_POD_NAMESPACE", attachment.pod_namespace},
          {"K8S_POD_NAME", attachment.pod_name},
          {"K8S_POD_INFRA_CONTAINER_ID", attachment.pod_id},
          {"K8S_POD_UID", attachment.pod_uid}};
}

// Everything crio can offer through runtimeConfig; each plugin gets the keys it asks for.
json CapabilityArgs(const Attachment& attachment) {
  json args = json::object();
  if (!attachment.port_mappings.empty()) {
    json mappings = json::array();
    for (const PortMapping& mapping : attachment.port_mappings) {
      json entry = {{"hostPort", mapping.host_port},
                    {"containerPort", mapping.container_port},
                    {"protocol", mapping.protocol}};
      if (!mapping.host_ip.empty()) entry["hostIP"] = mapping.host_ip;
      mappings.push_back(entry);
    }
    args["portMappings"] = mappings;
  }
  if (attachment.bandwidth) {
    json bandwidth = json::object();
    if (attachment.bandwidth->ingress_rate > 0) {
      bandwidth["ingressRate"] = attachment.bandwidth->ingress_rate;
      bandwidth["ingressBurst"] = kBandwidthBurst;
    }
    if (attachment.bandwidth->egress_rate > 0) {
      bandwidth["egressRate"] = attachment.bandwidth->egress_rate;
      bandwidth["egressBurst"] = kBandwidthBurst;
    }
    args["bandwidth"] = bandwidth;
  }
  if (!attachment.pod_cidr.empty()) {
    args["ipRanges"] = json::array({json::array({{{"subnet", attachment.pod_cidr}}})});
  }
  if (!attachment.cgroup_parent.empty()) args["cgroupPath"] = attachment.cgroup_parent;
  return args;
}

json PluginConfig(const Chain& chain, const json& plugin, const json& capability_args,
                  const json* previous) {
  json config = plugin;
  config["name"] = chain.name;
  config["cniVersion"] = chain.version;
  if (previous != nullptr && !previous->is_null()) config["prevResult"] = *previous;
  json runtime = json::object();
  if (plugin.contains("capabilities") && plugin["capabilities"].is_object()) {
    for (const auto& [capability, enabled] : plugin["capabilities"].items()) {
      if (enabled == true && capability_args.contains(capability)) {
        runtime[capability] = capability_args[capability];
      }
    }
  }
  if (!runtime.empty()) config["runtimeConfig"] = runtime;
  return config;
}

// What a plugin's failure says: its CNI error JSON on stdout, or its stderr.
std::string PluginError(const sys::ProcessResult& result) {
  const json error = json::parse(result.out, nullptr, /*allow_exceptions=*/false);
  if (error.is_object() && error.contains("msg")) {
    std::string text = error.value("msg", "");
    if (error.contains("details") && error["details"].is_string()) {
      text += ": " + error["details"].get<std::string>();
    }
    return text;
  }
  std::string text = result.err.empty() ? result.out : result.err;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text.empty() ? fmt::format("exit status {}", result.exit_code) : text;
}

class PluginRunner {
 public:
  PluginRunner(const CniOptions& options, const Attachment& attachment)
      : options_(options), attachment_(attachment), deadline_(Clock::now() + options.timeout) {}

  // Runs one plugin for `command`; the parsed result for ADD, null otherwise.
  absl::StatusOr<json> Run(const std::string& command, const json& config) {
    const std::string type = config.value("type", "");
    ASSIGN_OR_RETURN(const std::string binary, FindPlugin(type));
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
    if (left.count() <= 0) {
      return absl::DeadlineExceededError(fmt::format("CNI {} {}: timed out", command, type));
    }
    ASSIGN_OR_RETURN(const sys::ProcessResult result, sys::RunProcess({.argv = {binary},
                                                                       .env = Environment(command),
                                                                       .stdin_data = config.dump(),
                                                                       .timeout = left}));
    if (result.timed_out) {
      return absl::DeadlineExceededError(fmt::format("CNI plugin {} {}: no answer within {}s", type,
                                                     command, options_.timeout.count() / 1000));
    }
    if (result.exit_code != 0) {
      return absl::InternalError(
          fmt::format("CNI plugin {} {} failed: {}", type, command, PluginError(result)));
    }
    if (command != "ADD") return json();
    json parsed = json::parse(result.out, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded() || !parsed.is_object()) {
      return absl::InternalError(fmt::format("CNI plugin {} ADD: result is not JSON", type));
    }
    return parsed;
  }

 private:
  absl::StatusOr<std::string> FindPlugin(const std::string& type) const {
    if (!type.empty() && type.find('/') == std::string::npos) {
      for (const std::string& dir : options_.plugin_dirs) {
        const std::string path = (fs::path(dir) / type).string();
        if (::access(path.c_str(), X_OK) == 0) return path;
      }
    }
    return absl::FailedPreconditionError(fmt::format("CNI plugin \"{}\" not found in {}", type,
                                                     fmt::join(options_.plugin_dirs, ", ")));
  }

  std::vector<std::string> Environment(const std::string& command) const {
    std::string args;
    for (const auto& [key, value] : CniArgs(attachment_)) {
      args += (args.empty() ? "" : ";") + key + "=" + value;
    }
    const char* path = std::getenv("PATH");
    return {"CNI_COMMAND=" + command,
            "CNI_CONTAINERID=" + attachment_.pod_id,
            "CNI_NETNS=" + attachment_.netns,
            "CNI_IFNAME=" + attachment_.interface,
            "CNI_ARGS=" + args,
            fmt::format("CNI_PATH={}", fmt::join(options_.plugin_dirs, ":")),
            std::string("PATH=") + (path != nullptr ? path : "/usr/sbin:/usr/bin:/sbin:/bin")};
  }

  const CniOptions& options_;
  const Attachment& attachment_;
  const Clock::time_point deadline_;
};

// DEL through the chain in reverse; every plugin runs even if one fails.
absl::Status DeleteChain(const CniOptions& options, const Chain& chain,
                         const Attachment& attachment, const json& result) {
  PluginRunner runner(options, attachment);
  const json capability_args = CapabilityArgs(attachment);
  absl::Status first_error;
  for (auto plugin = chain.plugins.rbegin(); plugin != chain.plugins.rend(); ++plugin) {
    auto done = runner.Run("DEL", PluginConfig(chain, *plugin, capability_args, &result));
    if (!done.ok() && first_error.ok()) first_error = done.status();
  }
  return first_error;
}

std::vector<std::string> ResultAddresses(const json& result) {
  std::vector<std::string> ips;
  auto add = [&](const json& address) {
    if (!address.is_string()) return;
    const std::string text = address.get<std::string>();
    ips.push_back(text.substr(0, text.find('/')));
  };
  if (result.contains("ips") && result["ips"].is_array()) {
    for (const json& ip : result["ips"]) {
      if (ip.is_object() && ip.contains("address")) add(ip["address"]);
    }
  }
  for (const char* legacy : {"ip4", "ip6"}) {  // CNI 0.1/0.2 results
    if (result.contains(legacy) && result[legacy].is_object() && result[legacy].contains("ip")) {
      add(result[legacy]["ip"]);
    }
  }
  std::stable_partition(ips.begin(), ips.end(),
                        [](const std::string& ip) { return ip.find(':') == std::string::npos; });
  return ips;
}

absl::Status WriteCache(const CniOptions& options, const Chain& chain, const Attachment& attachment,
                        const json& result) {
  json args = json::array();
  for (const auto& [key, value] : CniArgs(attachment)) args.push_back({key, value});
  const json entry = {{"kind", "cniCacheV1"},
                      {"containerId", attachment.pod_id},
                      {"config", Base64Encode(chain.text)},
                      {"ifName", attachment.interface},
                      {"networkName", chain.name},
                      {"netns", attachment.netns},
                      {"cniArgs", args},
                      {"capabilityArgs", CapabilityArgs(attachment)},
                      {"result", result}};
  RETURN_IF_ERROR(sys::MakeDirs(options.cache_dir + "/results", 0700));
  return WriteFileAtomically(CacheFile(options, chain.name, attachment), entry.dump());
}

struct CacheEntry {
  std::string path;
  Chain chain;
  json result;
};

// The cache entry for this pod and interface, whatever network it was attached to.
absl::StatusOr<CacheEntry> ReadCache(const CniOptions& options, const Attachment& attachment) {
  const std::string suffix = fmt::format("-{}-{}", attachment.pod_id, attachment.interface);
  std::error_code error;
  for (const auto& file : fs::directory_iterator(options.cache_dir + "/results", error)) {
    const std::string name = file.path().filename().string();
    if (!name.ends_with(suffix)) continue;
    ASSIGN_OR_RETURN(const std::string text, ReadFileToString(file.path(), kMaxCacheBytes));
    const json entry = json::parse(text, nullptr, /*allow_exceptions=*/false);
    const std::optional<std::string> config =
        entry.is_object() && entry.contains("config") && entry["config"].is_string()
            ? Base64Decode(entry["config"].get<std::string>())
            : std::nullopt;
    if (!config) return absl::DataLossError("corrupt CNI cache file " + file.path().string());
    ASSIGN_OR_RETURN(Chain chain, ParseChain(*config));
    return CacheEntry{.path = file.path().string(),
                      .chain = std::move(chain),
                      .result = entry.value("result", json())};
  }
  return absl::NotFoundError("no CNI cache entry for pod " + attachment.pod_id);
}

}  // namespace

absl::StatusOr<AttachResult> CniPodNetwork::Attach(const Attachment& attachment) {
  ASSIGN_OR_RETURN(const CniNetwork network, FindNetwork(options_.network_dir, options_.plugin_dirs,
                                                         options_.default_network));
  ASSIGN_OR_RETURN(const Chain chain, ParseChain(network.text));
  PluginRunner runner(options_, attachment);
  const json capability_args = CapabilityArgs(attachment);
  json result;
  for (const json& plugin : chain.plugins) {
    auto added = runner.Run("ADD", PluginConfig(chain, plugin, capability_args, &result));
    if (!added.ok()) {
      (void)DeleteChain(options_, chain, attachment, result);
      return absl::Status(added.status().code(), fmt::format("network {}: {}", chain.name,
                                                             AsStd(added.status().message())));
    }
    result = std::move(*added);
  }
  if (auto cached = WriteCache(options_, chain, attachment, result); !cached.ok()) {
    (void)DeleteChain(options_, chain, attachment, result);
    return cached;
  }
  return AttachResult{.network = chain.name, .ips = ResultAddresses(result)};
}

absl::Status CniPodNetwork::Detach(const Attachment& attachment) {
  auto cached = ReadCache(options_, attachment);
  if (absl::IsNotFound(cached.status())) {
    // Killed between ADD and the cache write, or never attached: DEL with the current
    // configuration so plugins release what they may hold (DEL of nothing is not an error).
    auto network =
        FindNetwork(options_.network_dir, options_.plugin_dirs, options_.default_network);
    if (!network.ok()) return absl::OkStatus();
    ASSIGN_OR_RETURN(const Chain chain, ParseChain(network->text));
    return DeleteChain(options_, chain, attachment, json());
  }
  if (!cached.ok()) return cached.status();
  RETURN_IF_ERROR(DeleteChain(options_, cached->chain, attachment, cached->result));
  if (::unlink(cached->path.c_str()) != 0 && errno != ENOENT) {
    return absl::InternalError("remove " + cached->path);
  }
  return absl::OkStatus();
}

absl::Status CniPodNetwork::Check(const Attachment& attachment) {
  ASSIGN_OR_RETURN(const CacheEntry cached, ReadCache(options_, attachment));
  if (cached.chain.disable_check) return absl::OkStatus();
  PluginRunner runner(options_, attachment);
  const json capability_args = CapabilityArgs(attachment);
  for (const json& plugin : cached.chain.plugins) {
    RETURN_IF_ERROR(
        runner.Run("CHECK", PluginConfig(cached.chain, plugin, capability_args, &cached.result))
            .status());
  }
  return absl::OkStatus();
}

std::vector<Attachment> CniPodNetwork::Recorded() const {
  std::vector<Attachment> recorded;
  std::error_code error;
  for (const auto& file : fs::directory_iterator(options_.cache_dir + "/results", error)) {
    auto text = ReadFileToString(file.path(), kMaxCacheBytes);
    if (!text.ok()) continue;
    const json entry = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (!entry.is_object() || !entry.contains("containerId") || !entry["containerId"].is_string()) {
      continue;
    }
    Attachment attachment{.pod_id = entry["containerId"].get<std::string>(),
                          .netns = entry.value("netns", ""),
                          .interface = entry.value("ifName", "eth0")};
    if (entry.contains("cniArgs") && entry["cniArgs"].is_array()) {
      for (const json& pair : entry["cniArgs"]) {
        if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
          continue;
        }
        const std::string key = pair[0].get<std::string>(), value = pair[1].get<std::string>();
        if (key == "K8S_POD_NAME") attachment.pod_name = value;
        if (key == "K8S_POD_NAMESPACE") attachment.pod_namespace = value;
        if (key == "K8S_POD_UID") attachment.pod_uid = value;
      }
    }
    recorded.push_back(std::move(attachment));
  }
  return recorded;
}

}  // namespace crio::network
