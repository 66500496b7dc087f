#include "status/status_api.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace crio::status {
namespace {

using nlohmann::json;

class StatusApiTest : public ::testing::Test {
 protected:
  HttpResponse Get(const std::string& target) const {
    return api_.Handle(HttpRequest{.method = "GET", .target = target});
  }

  config::LiveConfig config_{config::Config{}};
  StatusApi api_{config_, "cgroupfs"};
};

TEST_F(StatusApiTest, InfoDescribesStorageAndCgroups) {
  const HttpResponse response = Get("/info");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  const json info = json::parse(response.body);
  EXPECT_EQ(info["storage_driver"], "overlay");
  EXPECT_EQ(info["storage_root"], config::Config{}.root.root);
  EXPECT_EQ(info["cgroup_driver"], "cgroupfs");
  EXPECT_EQ(info["default_runtime"], config::Config{}.runtime.default_runtime);
  EXPECT_TRUE(info["runtime_handlers"].is_array());
  EXPECT_EQ(info["default_id_mappings"]["uids"][0]["size"], 4294967295u);
  EXPECT_EQ(info["default_id_mappings"]["gids"][0]["host_id"], 0);
}

TEST_F(StatusApiTest, ConfigIsTheEffectiveToml) {
  const HttpResponse response = Get("/config");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/toml");
  EXPECT_NE(response.body.find("[crio.api]"), std::string::npos);
  EXPECT_NE(response.body.find("listen = \"/var/run/crio/crio.sock\""), std::string::npos);
}

TEST_F(StatusApiTest, UnknownContainersAre404WithJsonError) {
  for (const std::string prefix : {"/containers/", "/pause/", "/unpause/"}) {
    const HttpResponse response = Get(prefix + "abc123");
    EXPECT_EQ(response.status, 404) << prefix;
    EXPECT_EQ(json::parse(response.body)["error"], "can't find the container with id abc123");
  }
}

TEST_F(StatusApiTest, UnknownPathsAndMethodsAreRefused) {
  EXPECT_EQ(Get("/nope").status, 404);
  EXPECT_EQ(Get("/containers/").status, 404);
  const HttpResponse post = api_.Handle(HttpRequest{.method = "POST", .target = "/info"});
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers.at("Allow"), "GET");
}

TEST(StatusApiDebugTest, DebugPathsServeTheDiagnosticsGiven) {
  config::LiveConfig config{config::Config{}};
  const StatusApi api(config, "cgroupfs", {},
                      {.goroutines = [] { return std::string("stacks\n"); },
                       .heap = [] { return std::string("heap\n"); },
                       .pprof =
                           [](const HttpRequest& r) {
                             return HttpResponse{.content_type = "text/plain", .body = r.target};
                           }});
  const auto get = [&](const std::string& target) {
    return api.Handle(HttpRequest{.method = "GET", .target = target});
  };
  EXPECT_EQ(get("/debug/goroutines").body, "stacks\n");
  EXPECT_EQ(get("/debug/goroutines").content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(get("/debug/heap").body, "heap\n");
  EXPECT_EQ(get("/debug/pprof/heap?x=1").body, "/debug/pprof/heap?x=1");
  EXPECT_EQ(get("/debug/other").status, 404);
}

TEST_F(StatusApiTest, DebugPathsWithoutDiagnosticsAre404) {
  EXPECT_EQ(Get("/debug/goroutines").status, 404);
  EXPECT_EQ(Get("/debug/heap").status, 404);
  EXPECT_EQ(Get("/debug/pprof/").status, 404);  // --enable-profile-unix-socket not given
}

TEST_F(StatusApiTest, QueryStringIsIgnoredForRouting) {
  EXPECT_EQ(Get("/info?pretty=1").status, 200);
}

}  // namespace
}  // namespace crio::status
