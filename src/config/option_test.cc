#include "config/option.h"

#include <set>

#include "gtest/gtest.h"

namespace crio::config {
namespace {

TEST(DurationTest, ParsesGoDurations) {
  EXPECT_EQ(ParseDuration("0"), 0);
  EXPECT_EQ(ParseDuration("0s"), 0);
  EXPECT_EQ(ParseDuration("250ms"), 250'000'000);
  EXPECT_EQ(ParseDuration("1h30m"), 5'400'000'000'000);
  EXPECT_EQ(ParseDuration("1.5s"), 1'500'000'000);
  EXPECT_EQ(ParseDuration("2m3s"), 123'000'000'000);
  EXPECT_FALSE(ParseDuration(""));
  EXPECT_FALSE(ParseDuration("5"));
  EXPECT_FALSE(ParseDuration("5 s"));
  EXPECT_FALSE(ParseDuration("s"));
  EXPECT_FALSE(ParseDuration("5d"));
}

TEST(SizeTest, ParsesBinaryUnits) {
  EXPECT_EQ(ParseSize("4096"), 4096);
  EXPECT_EQ(ParseSize("500KiB"), 500 * 1024);
  EXPECT_EQ(ParseSize("12MiB"), 12 * 1024 * 1024);
  EXPECT_EQ(ParseSize("12mb"), 12 * 1024 * 1024);
  EXPECT_EQ(ParseSize("1g"), 1024LL * 1024 * 1024);
  EXPECT_FALSE(ParseSize("MiB"));
  EXPECT_FALSE(ParseSize("12 MiB"));
  EXPECT_FALSE(ParseSize("12qb"));
}

TEST(TomlTextTest, QuotesAndEscapes) {
  EXPECT_EQ(ToTomlText(Value(std::string("a\"b\\c\n"))), R"("a\"b\\c\n")");
  EXPECT_EQ(ToTomlText(Value(true)), "true");
  EXPECT_EQ(ToTomlText(Value(int64_t{-1})), "-1");
  EXPECT_EQ(ToTomlText(Value(StringList{"x", "y"})), R"(["x", "y"])");
  EXPECT_EQ(ToTomlText(Value(StringList{})), "[]");
  EXPECT_EQ(ToTomlText(Value(StringMap{{"k", "v"}})), R"({ "k" = "v" })");
  EXPECT_EQ(ToTomlText(Value(StringMap{})), "{}");
}

TEST(FlagTextTest, ListsSplitOnCommasAcrossRepeats) {
  EXPECT_EQ(std::get<StringList>(*FromFlagText(Kind::kStringList, {"a,b", "c"})),
            (StringList{"a", "b", "c"}));
  EXPECT_EQ(std::get<StringMap>(*FromFlagText(Kind::kStringMap, {"a=1,b=2"})),
            (StringMap{{"a", "1"}, {"b", "2"}}));
  EXPECT_FALSE(FromFlagText(Kind::kStringMap, {"novalue"}).ok());
  EXPECT_TRUE(std::get<bool>(*FromFlagText(Kind::kBool, {"true"})));
  EXPECT_FALSE(FromFlagText(Kind::kBool, {"maybe"}).ok());
  EXPECT_FALSE(FromFlagText(Kind::kInt, {"12x"}).ok());
}

TEST(RegistryTest, KeysAndFlagsAreUnique) {
  std::set<std::string> keys, flags;
  for (const Option& option : Options()) {
    EXPECT_TRUE(keys.insert(std::string(option.table) + "." + std::string(option.key)).second)
        << option.key;
    if (!option.flag.empty()) {
      EXPECT_TRUE(flags.insert(std::string(option.flag)).second) << option.flag;
    }
    EXPECT_FALSE(option.doc.empty()) << option.key;
  }
}

}  // namespace
}  // namespace crio::config
