// Folded stacks: the text flame-graph tools read (Brendan Gregg's stackcollapse format,
// also `inferno-flamegraph`, speedscope): one line per distinct stack, its frames from the
// outermost to the innermost joined by ';', a space, and how many samples had it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace crio::diagnostics {

// A sampled stack: the thread's name and its return addresses, innermost first.
struct SampledStack {
  std::string thread;
  std::vector<uintptr_t> frames;
  auto operator<=>(const SampledStack&) const = default;
};

using StackCounts = std::map<SampledStack, uint64_t>;

// Names one frame (`is_return_address`: every frame but the innermost).
using FrameNamer = std::function<std::string(uintptr_t address, bool is_return_address)>;

// "thread;outer;...;inner COUNT" lines, stacks that name the same frames merged, the most
// sampled first. ';' inside a name becomes ':' so it cannot split a frame.
std::string FoldStacks(const StackCounts& counts, const FrameNamer& name);

// A FrameNamer with a Symbolizer: the function's name, or "OBJECT+0xOFFSET" when unknown.
FrameNamer SymbolizingNamer();

}  // namespace crio::diagnostics
