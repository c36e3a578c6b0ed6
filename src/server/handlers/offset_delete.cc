// OffsetDelete (key 47, v0): removes a group's committed offsets for some partitions (Kafka's
// KafkaApis.handleOffsetDeleteRequest, used by kafka-consumer-groups.sh --delete-offsets).
//
// Partitions the metadata does not know get UNKNOWN_TOPIC_OR_PARTITION here; the rest go to the
// group coordinator, which refuses partitions of topics a live consumer group still subscribes to
// (GROUP_SUBSCRIBED_TO_TOPIC) and answers group-level errors (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP,
// NOT_COORDINATOR, ...). A group-level error is the whole answer: no partitions are listed.

#include "gregor/coordinator/group_coordinator.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/offset_delete.h"
#include "handler.h"
#include "known_partitions.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct offset_delete_handler {
  using request = protocol::offset_delete_request;
  using response = protocol::offset_delete_response;
  static constexpr int16_t api_key = 47;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 0;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    // Kafka's validateGroupStatus: unlike OffsetCommit/OffsetFetch, OffsetDelete needs a group id.
    if (req.group_id.empty()) co_return error_response(req, 0, error_code::invalid_group_id);
    if (svc.groups == nullptr) co_return error_response(req, 0, error_code::coordinator_not_available);
    auto snap = svc.metadata->snapshot();

    // The answer mirrors the request; each partition's error is filled in below.
    response resp;
    mirror_partitions(resp.topics, req.topics, error_code::none);
    const std::vector<partition_slot> known = known_partitions(*snap, req.topics, resp.topics);
    std::vector<topic_partition> partitions;
    partitions.reserve(known.size());
    for (const auto& slot : known) {
      const auto& t = req.topics[slot.topic];
      partitions.push_back(topic_partition{t.name, t.partitions[slot.partition].partition_index});
    }

    // Called even with no known partition: Kafka still validates the group (and answers, e.g.,
    // GROUP_ID_NOT_FOUND) in that case.
    std::string group_id = req.group_id;
    auto result = co_await svc.groups->delete_offsets(std::move(group_id), std::move(partitions));
    if (result.error != error_code::none) co_return error_response(req, 0, result.error);
    answer_known(resp.topics, known, result.partitions, [](const auto& answered) { return answered.second; });
    co_return resp;
  }

  // Kafka's OffsetDeleteRequest.getErrorResponse: the top-level error alone.
  static response error_response(const request&, int16_t, error_code e) {
    response resp;
    resp.error_code = code(e);
    return resp;
  }
};

} // namespace

void register_offset_delete(handler_table& t) { register_handler<offset_delete_handler>(t); }

} // namespace gregor::server
