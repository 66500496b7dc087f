// Step hooks: named points after each step of crio's multi-step operations (RunPodSandbox,
// CreateContainer, StopPodSandbox...), where the crash-consistency tests stop or slow crio.
//
//   CRIO_TEST_KILL_AFTER=pod.network      crio SIGKILLs itself right after that step
//   CRIO_TEST_DELAY_AFTER=pod.network:800 crio sleeps 800 ms there (the rpc outlives a
//                                         client's deadline, as a kubelet retry needs)
//
// The variables are read once. Unset, as in production, a step costs one comparison with
// an empty string. The step names are listed in docs/crash-consistency.md.
#pragma once

#include <string_view>

namespace crio {

void AfterStep(std::string_view step);

}  // namespace crio
