#include "image/registries.h"

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::image {
namespace {

Registries From(const std::string& toml) {
  Registries registries;
  const absl::Status applied = registries.Apply(toml, "test.conf");
  EXPECT_TRUE(applied.ok()) << applied;
  return registries;
}

std::vector<std::string> Sources(const Registries& registries, const std::string& reference) {
  auto sources = registries.Resolve(*ParseQualified(reference));
  EXPECT_TRUE(sources.ok()) << sources.status();
  std::vector<std::string> out;
  for (const PullSource& source : *sources) {
    out.push_back(source.reference.String() + (source.insecure ? " insecure" : "") +
                  (source.mirror ? " mirror" : ""));
  }
  return out;
}

TEST(RegistriesTest, DefaultSearchesDockerHub) {
  const Registries registries;
  EXPECT_FALSE(registries.loaded_from_disk());
  auto candidates = registries.ShortNameCandidates("busybox:1.36");
  ASSERT_TRUE(candidates.ok());
  ASSERT_EQ(candidates->size(), 1u);
  EXPECT_EQ((*candidates)[0].String(), "docker.io/library/busybox:1.36");
  EXPECT_EQ(Sources(registries, "quay.io/app:1"), (std::vector<std::string>{"quay.io/app:1"}));
}

// crio.conf's insecure_registries, as CRI-O reads them: registries and networks, and
// loopback always.
TEST(RegistriesTest, InsecureRegistriesAreHostsAndNetworksAndLoopback) {
  Registries registries;
  ASSERT_TRUE(registries.AddInsecure({"reg.internal:5000", "10.1.0.0/16", "fd00::/8"}).ok());
  EXPECT_EQ(Sources(registries, "reg.internal:5000/app:1"),
            (std::vector<std::string>{"reg.internal:5000/app:1 insecure"}));
  EXPECT_EQ(Sources(registries, "reg.internal:6000/app:1"),
            (std::vector<std::string>{"reg.internal:6000/app:1"}));
  EXPECT_EQ(Sources(registries, "10.1.2.3:5000/app:1"),
            (std::vector<std::string>{"10.1.2.3:5000/app:1 insecure"}));
  EXPECT_EQ(Sources(registries, "10.2.0.1/app:1"), (std::vector<std::string>{"10.2.0.1/app:1"}));
  EXPECT_EQ(Sources(registries, "127.0.0.1:5000/app:1"),
            (std::vector<std::string>{"127.0.0.1:5000/app:1 insecure"}));
  EXPECT_EQ(Sources(registries, "localhost:5000/app:1"),
            (std::vector<std::string>{"localhost:5000/app:1 insecure"}));
  EXPECT_EQ(Sources(registries, "[fd00::1]:5000/app:1"),
            (std::vector<std::string>{"[fd00::1]:5000/app:1 insecure"}));
  EXPECT_EQ(Sources(registries, "quay.io/app:1"), (std::vector<std::string>{"quay.io/app:1"}));
  EXPECT_FALSE(Registries().AddInsecure({"10.0.0.0/33"}).ok());
}

TEST(RegistriesTest, MirrorsFirstThenPrimaryWithPrefixRewritten) {
  const Registries registries = From(R"(
[[registry]]
prefix = "example.com/foo"
location = "internal.example.com/bar"
insecure = true
[[registry.mirror]]
location = "mirror-a.local/foo"
[[registry.mirror]]
location = "mirror-b.local:5000/x"
insecure = true
pull-from-mirror = "digest-only"
)");
  EXPECT_EQ(Sources(registries, "example.com/foo/app:1"),
            (std::vector<std::string>{"mirror-a.local/foo/app:1 mirror",
                                      "internal.example.com/bar/app:1 insecure"}));
  const std::string digest = "sha256:" + std::string(64, 'b');
  EXPECT_EQ(Sources(registries, "example.com/foo/app@" + digest),
            (std::vector<std::string>{"mirror-a.local/foo/app@" + digest + " mirror",
                                      "mirror-b.local:5000/x/app@" + digest + " insecure mirror",
                                      "internal.example.com/bar/app@" + digest + " insecure"}));
  // Not at a path-component boundary: no match.
  EXPECT_EQ(Sources(registries, "example.com/foobar:1"),
            (std::vector<std::string>{"example.com/foobar:1"}));
}

TEST(RegistriesTest, LongestPrefixWinsAndWildcardsLose) {
  const Registries registries = From(R"(
[[registry]]
prefix = "*.example.com"
insecure = true
[[registry]]
prefix = "a.example.com"
[[registry]]
prefix = "a.example.com/team"
location = "b.example.com/team"
)");
  EXPECT_EQ(Sources(registries, "a.example.com/team/x:1"),
            (std::vector<std::string>{"b.example.com/team/x:1"}));
  EXPECT_EQ(Sources(registries, "a.example.com/other:1"),
            (std::vector<std::string>{"a.example.com/other:1"}));
  EXPECT_EQ(Sources(registries, "c.example.com/other:1"),
            (std::vector<std::string>{"c.example.com/other:1 insecure"}));
}

TEST(RegistriesTest, BlockedRegistryIsAnErrorThatSaysSo) {
  const Registries registries = From("[[registry]]\nlocation = \"evil.io\"\nblocked = true\n");
  auto sources = registries.Resolve(*ParseQualified("evil.io/app:1"));
  ASSERT_EQ(sources.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(sources.status().message().find("blocked"), std::string::npos);
}

TEST(RegistriesTest, AliasesBeatSearchRegistries) {
  const Registries registries = From(R"(
unqualified-search-registries = ["quay.io", "docker.io"]
[aliases]
"pause" = "registry.k8s.io/pause"
)");
  auto alias = registries.ShortNameCandidates("pause:3.10");
  ASSERT_TRUE(alias.ok());
  ASSERT_EQ(alias->size(), 1u);
  EXPECT_EQ((*alias)[0].String(), "registry.k8s.io/pause:3.10");
  auto search = registries.ShortNameCandidates("busybox");
  ASSERT_TRUE(search.ok());
  ASSERT_EQ(search->size(), 2u);
  EXPECT_EQ((*search)[0].String(), "quay.io/busybox:latest");
  EXPECT_EQ((*search)[1].String(), "docker.io/library/busybox:latest");
}

TEST(RegistriesTest, ShortNameMode) {
  Registries registries = From(
      "unqualified-search-registries = [\"a.example\", \"b.example\"]\n"
      "short-name-mode = \"enforcing\"\n");
  EXPECT_EQ(registries.ShortNameCandidates("busybox").status().code(),
            absl::StatusCode::kFailedPrecondition);  // registries.conf's mode
  EXPECT_EQ(registries.ShortNameCandidates("busybox", "disabled")->size(), 2u);  // overridden
  EXPECT_EQ(From("unqualified-search-registries = [\"a.example\", \"b.example\"]\n")
                .ShortNameCandidates("busybox")
                ->size(),
            2u);  // permissive when unset
  EXPECT_EQ(From("unqualified-search-registries = [\"a.example\"]\n")
                .ShortNameCandidates("busybox", "enforcing")
                ->size(),
            1u);  // one registry is no ambiguity
  Registries bad;
  EXPECT_FALSE(bad.Apply("short-name-mode = \"sometimes\"\n", "t").ok());
}

TEST(RegistriesTest, NoSearchRegistriesMeansShortNamesFail) {
  const Registries registries = From("unqualified-search-registries = []\n");
  EXPECT_EQ(registries.ShortNameCandidates("busybox").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(RegistriesTest, DropInsOverrideInLexicalOrder) {
  testing::TempDir dir;
  const std::string main = dir.WriteFile("registries.conf",
                                         "unqualified-search-registries = [\"a.io\"]\n"
                                         "[[registry]]\nprefix = \"x.io\"\nlocation = \"y.io\"\n");
  dir.WriteFile("registries.conf.d/20.conf", "unqualified-search-registries = [\"c.io\"]\n");
  dir.WriteFile("registries.conf.d/10.conf",
                "unqualified-search-registries = [\"b.io\"]\n"
                "[[registry]]\nprefix = \"x.io\"\nlocation = \"z.io\"\n");
  auto registries = Registries::Load(main, dir.Join("registries.conf.d"));
  ASSERT_TRUE(registries.ok()) << registries.status();
  EXPECT_TRUE(registries->loaded_from_disk());
  EXPECT_EQ(registries->search_registries(), (std::vector<std::string>{"c.io"}));
  EXPECT_EQ(Sources(*registries, "x.io/app:1"), (std::vector<std::string>{"z.io/app:1"}));
}

TEST(RegistriesTest, RejectsBadFiles) {
  Registries registries;
  EXPECT_FALSE(registries.Apply("[registries.search]\nregistries = []\n", "v1.conf").ok());
  EXPECT_FALSE(registries.Apply("[[registry]]\ninsecure = true\n", "x.conf").ok());
  EXPECT_FALSE(registries
                   .Apply("[[registry]]\nprefix = \"a.io\"\n[[registry.mirror]]\nlocation = "
                          "\"m.io\"\npull-from-mirror = \"sometimes\"\n",
                          "x.conf")
                   .ok());
  EXPECT_FALSE(registries.Apply("[aliases]\n\"quay.io/x\" = \"quay.io/y\"\n", "x.conf").ok());
  EXPECT_FALSE(registries.Apply("[aliases]\n\"x\" = \"quay.io/y:tag\"\n", "x.conf").ok());
  EXPECT_FALSE(registries.Apply("unqualified-search-registries = \"docker.io\"\n", "x.conf").ok());
  EXPECT_FALSE(registries.Apply("not toml = = 1\n", "x.conf").ok());
}

}  // namespace
}  // namespace crio::image
