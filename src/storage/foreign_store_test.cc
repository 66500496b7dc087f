#include "storage/foreign_store.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "testing/temp_dir.h"

namespace crio::storage {
namespace {

TEST(ForeignStoreTest, AnAbsentOrEmptyOrCriosOwnRootIsAccepted) {
  testing::TempDir dir;
  EXPECT_TRUE(CheckNoForeignStore(dir.Join("absent")).ok());
  EXPECT_TRUE(CheckNoForeignStore(dir.path()).ok());
  dir.WriteFile("images.db", "");
  dir.WriteFile("overlay/0123/diff/bin/sh", "");
  dir.WriteFile("overlay-containers/abc/userdata/config.json", "{}");
  EXPECT_TRUE(CheckNoForeignStore(dir.path()).ok());
}

TEST(ForeignStoreTest, ContainersStorageIsRefusedNamingWhatWasFound) {
  testing::TempDir dir;
  dir.WriteFile("storage.lock", "");
  dir.WriteFile("overlay-layers/layers.json", "[]");
  dir.WriteFile("overlay-images/images.json", "[]");
  const absl::Status refused = CheckNoForeignStore(dir.path());
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("storage.lock, overlay-layers, overlay-images/images.json"),
            std::string::npos)
      << refused;
  EXPECT_NE(refused.message().find("Nothing in " + dir.path() + " was changed"), std::string::npos);
}

TEST(ForeignStoreTest, LayersWithoutCriosDatabaseAreForeign) {
  testing::TempDir dir;
  dir.WriteFile("overlay/0123/diff/bin/sh", "");
  EXPECT_EQ(CheckNoForeignStore(dir.path()).code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace crio::storage
