#include "diagnostics/pprof_handler.h"

#include "diagnostics/thread_capture.h"
#include "gtest/gtest.h"

namespace crio::diagnostics {
namespace {

TEST(PprofHandlerTest, ReadsTheProfileSeconds) {
  EXPECT_EQ(ProfileSeconds("/debug/pprof/profile"), 30);
  EXPECT_EQ(ProfileSeconds("/debug/pprof/profile?seconds=5"), 5);
  EXPECT_EQ(ProfileSeconds("/debug/pprof/profile?debug=1&seconds=120"), 120);
  EXPECT_EQ(ProfileSeconds("/debug/pprof/profile?seconds=0"), std::nullopt);
  EXPECT_EQ(ProfileSeconds("/debug/pprof/profile?seconds=121"), std::nullopt);
  EXPECT_EQ(ProfileSeconds("/debug/pprof/profile?seconds=5s"), std::nullopt);
}

TEST(PprofHandlerTest, ServesTheIndexStacksHeapAndCmdline) {
  ASSERT_TRUE(InstallThreadCapture().ok());
  PprofHandler pprof;
  const auto get = [&](const std::string& target) {
    return pprof.Handle({.method = "GET", .target = target});
  };
  EXPECT_NE(get("/debug/pprof/").body.find("/debug/pprof/goroutine"), std::string::npos);
  EXPECT_EQ(get("/debug/pprof").status, 200);
  const status::HttpResponse stacks = get("/debug/pprof/goroutine?debug=2");
  EXPECT_EQ(stacks.status, 200);
  EXPECT_TRUE(stacks.body.starts_with("crio thread stacks: pid ")) << stacks.body;
  EXPECT_NE(get("/debug/pprof/heap").body.find("VmRSS:"), std::string::npos);
  EXPECT_NE(get("/debug/pprof/cmdline").body.find("diagnostics_test"), std::string::npos);
  EXPECT_EQ(get("/debug/pprof/trace").status, 404);
  EXPECT_EQ(get("/debug/pprof/profile?seconds=x").status, 400);
  EXPECT_EQ(pprof.Handle({.method = "POST", .target = "/debug/pprof/heap"}).status, 405);
}

TEST(PprofHandlerTest, ShutdownCutsACpuProfileShort) {
  PprofHandler pprof;
  pprof.Shutdown();
  const auto start = std::chrono::steady_clock::now();
  const status::HttpResponse cut =
      pprof.Handle({.method = "GET", .target = "/debug/pprof/profile"});
  EXPECT_EQ(cut.status, 503);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace crio::diagnostics
