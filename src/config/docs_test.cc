// The man pages must describe every key and flag crio has.
#include <fstream>
#include <sstream>

#include "config/flags.h"
#include "config/option.h"
#include "gtest/gtest.h"

namespace crio::config {
namespace {

std::string ReadDoc(const std::string& name) {
  std::ifstream in(std::string(CRIO_SOURCE_DIR) + "/docs/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// roff escapes hyphens; compare against the escaped spelling.
std::string Roff(std::string_view text) {
  std::string out;
  for (const char c : text) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out;
}

TEST(DocsTest, CrioConfFiveDescribesEveryKey) {
  const std::string page = ReadDoc("crio.conf.5");
  ASSERT_FALSE(page.empty());
  for (const Option& option : Options()) {
    EXPECT_NE(page.find(".SH [" + std::string(option.table) + "]"), std::string::npos)
        << option.table;
    EXPECT_NE(page.find("\\fB" + std::string(option.key) + "\\fR = "), std::string::npos)
        << option.key;
  }
  for (const HandlerOption& option : HandlerOptions()) {
    EXPECT_NE(page.find("\\fB" + std::string(option.key) + "\\fR = "), std::string::npos)
        << option.key;
  }
}

TEST(DocsTest, CrioEightListsEveryFlag) {
  const std::string page = ReadDoc("crio.8");
  ASSERT_FALSE(page.empty());
  for (const Option& option : Options()) {
    if (option.flag.empty()) continue;
    EXPECT_NE(page.find(Roff("--" + std::string(option.flag))), std::string::npos) << option.flag;
  }
  EXPECT_EQ(page.find('@'), std::string::npos) << "unfilled placeholder";
}

TEST(DocsTest, CrioEightDescribesTheCheckCommandsFlags) {
  const std::string page = ReadDoc("crio.8");
  const size_t check = page.find(".B check\n");
  ASSERT_NE(check, std::string::npos);
  for (const char* flag : {"--age", "--force", "--quick", "--repair", "--wipe"}) {
    EXPECT_NE(page.find(Roff(flag), check), std::string::npos) << flag;
  }
}

TEST(DocsTest, CrioEightListsTheProfilingFlagsAndDiagnosticSignals) {
  const std::string page = ReadDoc("crio.8");
  for (const std::string_view flag : kProfileFlagNames) {
    EXPECT_NE(page.find(Roff("--" + std::string(flag))), std::string::npos) << flag;
  }
  for (const std::string_view text : {".B SIGUSR1", ".B SIGUSR2", "goroutines", "heap"}) {
    EXPECT_NE(page.find(text), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace crio::config
