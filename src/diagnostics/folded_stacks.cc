#include "diagnostics/folded_stacks.h"

#include <algorithm>
#include <memory>
#include <unordered_map>

#include "diagnostics/symbolizer.h"
#include "fmt/format.h"

namespace crio::diagnostics {
namespace {

std::string Sanitized(std::string name) {
  std::replace(name.begin(), name.end(), ';', ':');
  std::replace(name.begin(), name.end(), '\n', ' ');
  return name;
}

std::string FoldedLine(const SampledStack& stack, const FrameNamer& name) {
  std::string line = Sanitized(stack.thread.empty() ? "?" : stack.thread);
  for (size_t i = stack.frames.size(); i-- > 0;) {
    line += ';';
    line += Sanitized(name(stack.frames[i], /*is_return_address=*/i > 0));
  }
  return line;
}

}  // namespace

std::string FoldStacks(const StackCounts& counts, const FrameNamer& name) {
  std::unordered_map<std::string, uint64_t> merged;
  for (const auto& [stack, count] : counts) merged[FoldedLine(stack, name)] += count;
  std::vector<std::pair<std::string, uint64_t>> lines(merged.begin(), merged.end());
  std::sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::string text;
  for (const auto& [line, count] : lines) text += fmt::format("{} {}\n", line, count);
  return text;
}

FrameNamer SymbolizingNamer() {
  auto symbolizer = std::make_shared<Symbolizer>();
  return [symbolizer](uintptr_t address, bool is_return_address) {
    const Symbol symbol = symbolizer->Resolve(address, is_return_address);
    if (!symbol.function.empty()) return symbol.function;
    if (symbol.object.empty()) return fmt::format("{:#x}", address);
    return fmt::format("{}+{:#x}", symbol.object, symbol.object_offset);
  };
}

}  // namespace crio::diagnostics
