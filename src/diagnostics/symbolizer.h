// Symbolizer: names the code addresses of this process for stack dumps and CPU profiles.
//
// The object an address lies in comes from dladdr(); its function from the object's ELF
// symbol table (.symtab: crio's own functions, static ones included, which dladdr does not
// know without -rdynamic) and, for stripped libraries, from their dynamic symbols through
// dladdr. Names are demangled. Every answer also carries the object's path and the
// address's offset in it, so `addr2line -e OBJECT OFFSET` finds the source line later.
//
// Reads and caches each object's symbol table on first use (mapped read-only). Not
// thread-safe: one per dump or profile, on one thread; never used in a signal handler.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace crio::diagnostics {

struct Symbol {
  std::string function;         // demangled; empty when unknown
  uintptr_t offset = 0;         // of the address in the function
  std::string object;           // path of the executable or library; empty when unknown
  uintptr_t object_offset = 0;  // of the address from the object's load address
};

class Symbolizer {
 public:
  Symbolizer();
  ~Symbolizer();
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  // What `address` is. A return address (every frame but a stack's innermost) points past
  // its call, which may be the next function's first byte: it is looked up one byte back.
  Symbol Resolve(uintptr_t address, bool is_return_address);

 private:
  class ElfSymbols;
  const ElfSymbols* SymbolsOf(const std::string& path);

  std::map<std::string, std::unique_ptr<ElfSymbols>> objects_;
};

// `name` demangled ("_ZN4crio3FooEv" → "crio::Foo()"); `name` itself when it is not a
// mangled C++ name.
std::string Demangle(const char* name);

// "crio::Foo()+0x1c (/usr/bin/crio+0x4a21c)", or "?? (OBJECT+0x...)" for an unknown
// function, "??" when even the object is unknown.
std::string Describe(const Symbol& symbol);

}  // namespace crio::diagnostics
