// crioctl's verbs, one function per verb, grouped in files by what they act on
// (verbs_runtime.cc, verbs_image.cc; pods, containers and streaming come beside them).
// Each runs against a Client, writes its result to `io.out` and errors to `io.err`
// ("crioctl: VERB: ..."), and returns the process exit code; main only parses flags.
#pragma once

#include <string>
#include <vector>

#include "cmd/crioctl/client.h"
#include "cmd/crioctl/command_io.h"

namespace crio::crioctl {

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

}  // namespace crio::crioctl
