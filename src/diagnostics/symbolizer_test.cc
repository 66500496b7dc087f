#include "diagnostics/symbolizer.h"

#include <unistd.h>

#include "gtest/gtest.h"

namespace crio::diagnostics {

// Outside an anonymous namespace and not inlined, so it has a symbol of its own.
__attribute__((noinline)) int SymbolizerTestTarget(int x) { return x * 3 + 1; }

namespace {

TEST(SymbolizerTest, DemanglesCxxNamesAndKeepsOthers) {
  EXPECT_EQ(Demangle("_ZN4crio3FooEv"), "crio::Foo()");
  EXPECT_EQ(Demangle("epoll_wait"), "epoll_wait");
}

TEST(SymbolizerTest, NamesAFunctionOfTheProgramFromItsSymbolTable) {
  Symbolizer symbolizer;
  const auto address = reinterpret_cast<uintptr_t>(&SymbolizerTestTarget);
  const Symbol symbol = symbolizer.Resolve(address + 4, /*is_return_address=*/false);
  EXPECT_EQ(symbol.function, "crio::diagnostics::SymbolizerTestTarget(int)");
  EXPECT_EQ(symbol.offset, 4u);
  EXPECT_TRUE(symbol.object.starts_with("/")) << symbol.object;
  EXPECT_NE(symbol.object.find("diagnostics_test"), std::string::npos) << symbol.object;
}

TEST(SymbolizerTest, NamesALibraryFunctionFromItsDynamicSymbols) {
  Symbolizer symbolizer;
  const Symbol symbol =
      symbolizer.Resolve(reinterpret_cast<uintptr_t>(&::getppid), /*is_return_address=*/false);
  EXPECT_EQ(symbol.function, "getppid");
  EXPECT_NE(symbol.object.find("libc"), std::string::npos) << symbol.object;
}

TEST(SymbolizerTest, AReturnAddressIsLookedUpOneByteBack) {
  Symbolizer symbolizer;
  // The byte after a function's last: as a return address it still belongs to it.
  const auto address = reinterpret_cast<uintptr_t>(&SymbolizerTestTarget);
  const Symbol inside = symbolizer.Resolve(address + 1, /*is_return_address=*/true);
  EXPECT_EQ(inside.function, "crio::diagnostics::SymbolizerTestTarget(int)");
  EXPECT_EQ(inside.offset, 1u);
}

TEST(SymbolizerTest, DescribesKnownAndUnknownAddresses) {
  EXPECT_EQ(
      Describe({.function = "f()", .offset = 0x1c, .object = "/bin/x", .object_offset = 0x4a}),
      "f()+0x1c (/bin/x+0x4a)");
  EXPECT_EQ(Describe({.object = "/bin/x", .object_offset = 0x4a}), "?? (/bin/x+0x4a)");
  EXPECT_EQ(Describe({}), "??");
  Symbolizer symbolizer;
  EXPECT_EQ(Describe(symbolizer.Resolve(8, false)), "??");
}

}  // namespace
}  // namespace crio::diagnostics
