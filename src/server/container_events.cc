// GetContainerEvents: streams the container lifecycle events Containers publishes
// (container/events.h), each with its pod's status and the statuses of the pod's
// containers as they were when it happened. Only with enable_pod_events; without it
// the stream ends at once, as in CRI-O.
#include <chrono>

#include "server/container_convert.h"
#include "server/pod_sandbox_convert.h"
#include "server/runtime_service.h"

namespace crio::server {
namespace {

// How often a waiting stream looks whether its client went away.
constexpr std::chrono::milliseconds kCancelCheck{500};

}  // namespace

grpc::Status RuntimeService::GetContainerEvents(
    grpc::ServerContext* context, const v1::GetEventsRequest* request,
    grpc::ServerWriter<v1::ContainerEventResponse>* writer) {
  v1::ContainerEventResponse unused;
  return edge_.Serve(
      "GetContainerEvents", *request, &unused,
      [this, context, writer](const v1::GetEventsRequest&, v1::ContainerEventResponse*) {
        container::ContainerEvents* const events = containers_.events();
        if (!config_.Snapshot()->runtime.enable_pod_events || events == nullptr) {
          return absl::OkStatus();
        }
        const std::shared_ptr<container::EventSubscription> subscription = events->Subscribe();
        // Until the client goes away or crio shuts down.
        while ((context == nullptr || !context->IsCancelled()) && !edge_.draining()) {
          const std::optional<container::ContainerEvent> event = subscription->Next(kCancelCheck);
          if (!event) continue;
          v1::ContainerEventResponse out;
          out.set_container_id(event->container_id);
          out.set_container_event_type(static_cast<v1::ContainerEventType>(event->type));
          out.set_created_at(event->at);
          if (event->pod) FillStatus(*event->pod, *out.mutable_pod_sandbox_status());
          for (const container::Container& member : event->pod_containers) {
            FillContainerStatus(member, *out.add_containers_statuses());
          }
          if (!writer->Write(out)) break;  // the client went away
        }
        return absl::OkStatus();
      });
}

}  // namespace crio::server
