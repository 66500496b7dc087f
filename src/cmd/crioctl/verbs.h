// crioctl's verbs, one function per verb, grouped in files by what they act on
// (verbs_runtime.cc, verbs_image.cc, verbs_pod.cc, verbs_container.cc, verbs_stats.cc,
// verbs_stream.cc).
// Each runs against a Client, writes its result to `io.out` and errors to `io.err`
// ("crioctl: VERB: ..."), and returns the process exit code. Each group also registers its
// subcommands and their flags (Add*Verbs), so a new group touches only its file, cli.cc
// (one Add call) and CMakeLists.txt.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cmd/crioctl/client.h"
#include "cmd/crioctl/command_io.h"

namespace CLI {
class App;
}  // namespace CLI

namespace crio::crioctl {

// Registration, used by cli.cc. A verb's action runs once the global flags are parsed and
// the client is connected; flag values it needs are captured by the action.
using VerbAction = std::function<int(Client& client, const CommandIo& io)>;

// Each adds its group's subcommands to `app`; the one named on the command line stores
// its action in `chosen`, which must outlive parsing.
void AddRuntimeVerbs(CLI::App& app, VerbAction& chosen);
void AddImageVerbs(CLI::App& app, VerbAction& chosen);
void AddPodVerbs(CLI::App& app, VerbAction& chosen);
void AddContainerVerbs(CLI::App& app, VerbAction& chosen);
void AddStatsVerbs(CLI::App& app, VerbAction& chosen);
void AddStreamVerbs(CLI::App& app, VerbAction& chosen);

// Adds subcommand `name` that chooses `action` when it is given (defined in cli.cc).
CLI::App* AddVerb(CLI::App& app, const std::string& name, const std::string& description,
                  VerbAction& chosen, VerbAction action);
// Adds crictl's per-verb "--output/-o FORMAT"; `formats` lists the accepted ones for --help.
void AddOutputOption(CLI::App& command, std::string& output, const std::string& formats);

// version: text like crictl ("Version:  0.1.0" ...), or json/yaml with -o.
int RunVersion(Client& client, const std::string& output, const CommandIo& io);
// info: the runtime's status and verbose info, json (default) or yaml.
int RunInfo(Client& client, const std::string& output, const CommandIo& io);
// runtime-config: the runtime's cgroup driver, json (default) or yaml.
int RunRuntimeConfig(Client& client, const std::string& output, const CommandIo& io);

struct PullOptions {
  std::string image;
  std::string creds;  // "user:password"
  std::string auth;   // base64 "user:password"
};
// pull: pulls an image; prints "Image is up to date for <id>" as crictl does.
int RunPull(Client& client, const PullOptions& options, const CommandIo& io);

struct ImagesOptions {
  std::string filter;  // one image name or ID
  bool quiet = false;  // IDs only
  bool digests = false;
  std::string output;  // table (default), json, yaml
};
// images: lists images as crictl does (IMAGE, TAG, [DIGEST,] IMAGE ID, SIZE).
int RunImages(Client& client, const ImagesOptions& options, const CommandIo& io);

// rmi: removes each image ("Deleted: <name>"); `all` removes every image.
int RunRemoveImages(Client& client, const std::vector<std::string>& images, bool all,
                    const CommandIo& io);

// inspecti: an image's status and verbose info, json (default) or yaml.
int RunInspectImage(Client& client, const std::string& image, const std::string& output,
                    const CommandIo& io);

// imagefsinfo: the image filesystem usage, json (default) or yaml.
int RunImageFsInfo(Client& client, const std::string& output, const CommandIo& io);

// runp: runs a pod from a PodSandboxConfig file (JSON or YAML); prints its ID.
int RunRunPod(Client& client, const std::string& config_file, const std::string& runtime,
              const CommandIo& io);
// stopp: stops each pod ("Stopped sandbox ID").
int RunStopPods(Client& client, const std::vector<std::string>& ids, const CommandIo& io);

struct RemovePodsOptions {
  std::vector<std::string> ids;
  bool all = false;    // every listed pod instead of `ids`; none listed is not an error
  bool force = false;  // stops a READY pod first ("Stopped sandbox ID"); without it such a
                       // pod is refused, as crictl does
};
// rmp: removes each pod ("Removed sandbox ID"), checking its state first.
int RunRemovePods(Client& client, const RemovePodsOptions& options, const CommandIo& io);

struct PodsOptions {
  std::string id;                   // prefix, matched by the runtime
  std::string name;                 // regular expression searched in the name, client-side
  std::string pod_namespace;        // regular expression searched in the namespace, client-side
  std::string state;                // ready | notready, any case
  std::vector<std::string> labels;  // KEY=VALUE
  bool quiet = false;               // IDs only (a json or yaml --output wins, as in crictl)
  bool no_trunc = false;
  bool latest = false;  // the newest pod only
  int last = 0;         // the N newest pods; wins over `latest`, as in crictl
  std::string output;   // table (default), json, yaml
};
// pods: lists pods as crictl does (POD ID, CREATED, STATE, NAME, NAMESPACE, ATTEMPT,
// RUNTIME), newest first.
int RunPods(Client& client, const PodsOptions& options, const CommandIo& io);

struct InspectPodsOptions {
  std::vector<std::string> ids;
  std::string output;  // json (default) or yaml
  bool quiet = false;  // the status only, without the runtime's verbose info
};
// inspectp: each pod's status ("createdAt" as RFC 3339 local time, as crictl shows it) and
// verbose info.
int RunInspectPods(Client& client, const InspectPodsOptions& options, const CommandIo& io);

struct CreateOptions {
  std::string pod_id;
  std::string container_config;  // ContainerConfig file, JSON or YAML
  std::string pod_config;        // PodSandboxConfig file
};
// create: creates a container in a pod; prints its ID.
int RunCreateContainer(Client& client, const CreateOptions& options, const CommandIo& io);
// start: starts each created container (prints its ID).
int RunStartContainers(Client& client, const std::vector<std::string>& ids, const CommandIo& io);

struct RunOptions {
  std::string container_config;
  std::string pod_config;
  std::string runtime;
};
// run: runp + create + start; prints the container's ID.
int RunRunContainer(Client& client, const RunOptions& options, const CommandIo& io);
// stop: stops each container, killing it `timeout` seconds after the stop signal.
int RunStopContainers(Client& client, const std::vector<std::string>& ids, int64_t timeout,
                      const CommandIo& io);

struct RemoveContainersOptions {
  std::vector<std::string> ids;
  bool all = false;
  bool force = false;  // without it a running container is refused, as crictl does
};
int RunRemoveContainers(Client& client, const RemoveContainersOptions& options,
                        const CommandIo& io);

struct PsOptions {
  bool all = false;  // else running containers only
  std::string id;
  std::string pod;
  std::string name;   // regular expression
  std::string state;  // created | running | exited | unknown
  std::vector<std::string> labels;
  bool quiet = false;
  bool no_trunc = false;
  bool latest = false;
  int last = 0;
  std::string output;
};
// ps: lists containers as crictl does (CONTAINER, IMAGE, CREATED, STATE, NAME, ATTEMPT,
// POD ID), newest first.
int RunPs(Client& client, const PsOptions& options, const CommandIo& io);
// inspect: each container's status and verbose info (pid, bundle, OCI spec).
int RunInspectContainers(Client& client, const std::vector<std::string>& ids,
                         const std::string& output, const CommandIo& io);

struct LogsOptions {
  std::string id;
  bool follow = false;
  int tail = -1;
  bool timestamps = false;
};
// logs: the container's CRI log (read from its log path on this host), stdout lines to
// out and stderr lines to err.
int RunLogs(Client& client, const LogsOptions& options, const CommandIo& io);

struct ExecOptions {
  std::string id;
  std::vector<std::string> command;
  int64_t timeout = 0;
  bool sync = false;  // ExecSync instead of the streaming Exec (also with --timeout)
  bool interactive = false;
  bool tty = false;
  std::string transport = "spdy";
};
// exec --sync: ExecSync; prints the command's output and returns its exit code.
int RunExecSync(Client& client, const ExecOptions& options, const CommandIo& io);
// exec: Exec, then the session at its URL (stdin with -i, a terminal with -t); returns
// the command's exit code.
int RunExecStreaming(Client& client, const ExecOptions& options, const CommandIo& io);

struct UpdateOptions {
  std::vector<std::string> ids;
  int64_t cpu_period = 0;
  int64_t cpu_quota = 0;
  int64_t cpu_shares = 0;
  std::string cpuset_cpus;
  std::string cpuset_mems;
  int64_t memory = 0;
};
// update: UpdateContainerResources for each container.
int RunUpdateContainers(Client& client, const UpdateOptions& options, const CommandIo& io);

}  // namespace crio::crioctl
