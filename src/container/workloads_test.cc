#include "container/workloads.h"

#include "gtest/gtest.h"

namespace crio::container {
namespace {

const std::map<std::string, Workload> kWorkloads = {
    {"management",
     {.activation_annotation = "workload.openshift.io/management",
      .annotation_prefix = "io.openshift.workload.management",
      .defaults = {.cpuset = "0", .shares = 200}}}};

TEST(WorkloadsTest, APodJoinsByTheActivationAnnotationsKey) {
  EXPECT_EQ(ActiveWorkload(kWorkloads, {{"workload.openshift.io/management", ""}}),
            &kWorkloads.at("management"));
  EXPECT_EQ(ActiveWorkload(kWorkloads, {{"io.openshift.workload.management/c", "{}"}}), nullptr);
  EXPECT_EQ(ActiveWorkload({}, {{"workload.openshift.io/management", "true"}}), nullptr);
}

TEST(WorkloadsTest, DefaultsApplyUnlessThePodOverridesThemPerContainer) {
  const Workload& workload = kWorkloads.at("management");
  auto defaults = WorkloadCpu(workload, "helloctr", {});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->cpuset, "0");
  EXPECT_EQ(defaults->shares, 200u);

  const std::map<std::string, std::string> annotations = {
      {"io.openshift.workload.management/helloctr", R"({"cpuset": "0-1"})"},
      {"io.openshift.workload.management/POD", R"({"cpushares": 512, "cpuset": ""})"}};
  auto container = WorkloadCpu(workload, "helloctr", annotations);
  ASSERT_TRUE(container.ok());
  EXPECT_EQ(container->cpuset, "0-1");
  EXPECT_EQ(container->shares, 200u) << "what the annotation leaves out keeps its default";
  auto pod = WorkloadCpu(workload, kPodWorkloadName, annotations);
  ASSERT_TRUE(pod.ok());
  EXPECT_EQ(pod->cpuset, "0");
  EXPECT_EQ(pod->shares, 512u);
}

TEST(WorkloadsTest, AnAnnotationThatIsNotTheJsonIsAnError) {
  const Workload& workload = kWorkloads.at("management");
  for (const char* bad : {R"(invalid & unparsable {"cpuset": "0-2"})", R"(["0"])",
                          R"({"cpushares": "200"})", R"({"cpushares": -1})", R"({"cpuset": 1})"}) {
    auto cpu = WorkloadCpu(workload, "c", {{"io.openshift.workload.management/c", bad}});
    EXPECT_EQ(cpu.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(cpu.status().message().find("io.openshift.workload.management/c"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace crio::container
