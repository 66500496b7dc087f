#include "diagnostics/symbolizer.h"

#include <cxxabi.h>
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "fmt/format.h"
#include "sys/unique_fd.h"

namespace crio::diagnostics {

// One object file's function symbols, sorted by address relative to the object's lowest
// loaded address (what dladdr's dli_fbase points at). The names stay in the mapped file.
class Symbolizer::ElfSymbols {
 public:
  // Empty when the file cannot be read or has no .symtab (stripped).
  static std::unique_ptr<ElfSymbols> Load(const std::string& path);
  ~ElfSymbols() {
    if (map_ != nullptr) ::munmap(map_, size_);
  }

  // The function containing `relative`, and the address's offset in it.
  bool Find(uintptr_t relative, std::string_view& name, uintptr_t& offset) const {
    auto after = std::upper_bound(entries_.begin(), entries_.end(), relative,
                                  [](uintptr_t a, const Entry& e) { return a < e.start; });
    if (after == entries_.begin()) return false;
    const Entry& entry = *std::prev(after);
    if (entry.size != 0 && relative >= entry.start + entry.size) return false;
    name = entry.name;
    offset = relative - entry.start;
    return true;
  }

 private:
  struct Entry {
    uintptr_t start;
    uintptr_t size;
    std::string_view name;
  };

  ElfSymbols(void* map, size_t size) : map_(map), size_(size) {}
  bool Parse();
  template <typename T>
  const T* At(uint64_t offset, uint64_t count = 1) const {
    if (offset > size_ || count > (size_ - offset) / sizeof(T)) return nullptr;
    return reinterpret_cast<const T*>(static_cast<const char*>(map_) + offset);
  }

  void* map_;
  size_t size_;
  std::vector<Entry> entries_;
};

std::unique_ptr<Symbolizer::ElfSymbols> Symbolizer::ElfSymbols::Load(const std::string& path) {
  sys::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat info {};
  if (!fd || ::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode) ||
      info.st_size < static_cast<off_t>(sizeof(ElfW(Ehdr)))) {
    return nullptr;
  }
  const size_t size = static_cast<size_t>(info.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (map == MAP_FAILED) return nullptr;
  std::unique_ptr<ElfSymbols> symbols(new ElfSymbols(map, size));
  if (!symbols->Parse()) return nullptr;
  return symbols;
}

// Reads .symtab with its string table; every bound checked, the file is not trusted.
bool Symbolizer::ElfSymbols::Parse() {
  const auto* header = At<ElfW(Ehdr)>(0);
  if (header == nullptr || std::memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 ||
      header->e_ident[EI_CLASS] != (sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32)) {
    return false;
  }
  // Addresses are kept relative to the lowest loadable segment, as dli_fbase is.
  uintptr_t base = UINTPTR_MAX;
  const auto* segments = At<ElfW(Phdr)>(header->e_phoff, header->e_phnum);
  const auto* sections = At<ElfW(Shdr)>(header->e_shoff, header->e_shnum);
  if (segments == nullptr || sections == nullptr) return false;
  for (int i = 0; i < header->e_phnum; ++i) {
    if (segments[i].p_type == PT_LOAD) {
      base = std::min<uintptr_t>(base, segments[i].p_vaddr & ~uintptr_t{0xfff});
    }
  }
  if (base == UINTPTR_MAX) return false;
  for (int i = 0; i < header->e_shnum; ++i) {
    const ElfW(Shdr)& table = sections[i];
    if (table.sh_type != SHT_SYMTAB || table.sh_link >= header->e_shnum) continue;
    const ElfW(Shdr)& strings = sections[table.sh_link];
    const auto* symbols = At<ElfW(Sym)>(table.sh_offset, table.sh_size / sizeof(ElfW(Sym)));
    const char* names = At<char>(strings.sh_offset, strings.sh_size);
    if (symbols == nullptr || names == nullptr) return false;
    for (size_t s = 0; s < table.sh_size / sizeof(ElfW(Sym)); ++s) {
      const ElfW(Sym)& symbol = symbols[s];
      if (ELF64_ST_TYPE(symbol.st_info) != STT_FUNC || symbol.st_value == 0 ||
          symbol.st_name >= strings.sh_size) {
        continue;
      }
      const char* name = names + symbol.st_name;
      entries_.push_back({symbol.st_value - base, symbol.st_size,
                          std::string_view(name, strnlen(name, strings.sh_size - symbol.st_name))});
    }
  }
  std::sort(entries_.begin(), entries_.end(),
            [](const Entry& a, const Entry& b) { return a.start < b.start; });
  return !entries_.empty();
}

Symbolizer::Symbolizer() = default;
Symbolizer::~Symbolizer() = default;

const Symbolizer::ElfSymbols* Symbolizer::SymbolsOf(const std::string& path) {
  auto [it, inserted] = objects_.try_emplace(path);
  if (inserted) it->second = ElfSymbols::Load(path);
  return it->second.get();
}

Symbol Symbolizer::Resolve(uintptr_t address, bool is_return_address) {
  Symbol symbol;
  const uintptr_t lookup = is_return_address && address > 0 ? address - 1 : address;
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(lookup), &info) == 0 || info.dli_fname == nullptr) {
    return symbol;
  }
  symbol.object = info.dli_fname;
  // The main program's name comes back empty or as argv[0], maybe relative: name the file.
  if (!symbol.object.starts_with('/')) {
    symbol.object = "/proc/self/exe";
    char path[4096];
    const ssize_t n = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
    if (n > 0) symbol.object.assign(path, static_cast<size_t>(n));
  }
  const auto base = reinterpret_cast<uintptr_t>(info.dli_fbase);
  symbol.object_offset = address - base;
  std::string_view name;
  uintptr_t offset = 0;
  if (const ElfSymbols* table = SymbolsOf(symbol.object);
      table != nullptr && table->Find(lookup - base, name, offset)) {
    symbol.function = Demangle(std::string(name).c_str());
    symbol.offset = offset + (address - lookup);
  } else if (info.dli_sname != nullptr) {
    symbol.function = Demangle(info.dli_sname);
    symbol.offset = address - reinterpret_cast<uintptr_t>(info.dli_saddr);
  }
  return symbol;
}

std::string Demangle(const char* name) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status != 0 || demangled == nullptr) return name;
  std::string out(demangled);
  std::free(demangled);
  return out;
}

std::string Describe(const Symbol& symbol) {
  if (symbol.object.empty()) return "??";
  const std::string where = fmt::format("({}+{:#x})", symbol.object, symbol.object_offset);
  if (symbol.function.empty()) return "?? " + where;
  return fmt::format("{}+{:#x} {}", symbol.function, symbol.offset, where);
}

}  // namespace crio::diagnostics
