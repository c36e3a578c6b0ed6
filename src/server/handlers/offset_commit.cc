// OffsetCommit (key 8, v0-9): stores a group's committed offsets (Kafka's
// KafkaApis.handleOffsetCommitRequest).
//
// Partitions the metadata does not know get UNKNOWN_TOPIC_OR_PARTITION here; the rest go to
// ZooKeeper (v0, /consumers/<group>/offsets/<topic>/<partition>, as Kafka did for the pre-0.9
// clients) or to the group coordinator (v1+, __consumer_offsets), which validates the member and
// generation, checks offset.metadata.max.bytes and answers NOT_COORDINATOR /
// COORDINATOR_LOAD_IN_PROGRESS / COORDINATOR_NOT_AVAILABLE itself.
//
// Per version: v1 carries the member, generation and a per-partition commit timestamp; v2-4 a
// retention time; v6+ the committed leader epoch; v7+ group.instance.id. The answer lists the
// partitions in request order.

#include <algorithm>

#include "gregor/common/logger.h"
#include "gregor/config/broker_config.h"
#include "gregor/coordinator/group_coordinator.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/offset_commit.h"
#include "gregor/zk/consumer_offsets_zk.h"
#include "gregor/zk/kafka_zk.h"
#include "handler.h"
#include "known_partitions.h"
#include "offset_commit_partitions.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct offset_commit_handler {
  using request = protocol::offset_commit_request;
  using response = protocol::offset_commit_response;
  static constexpr int16_t api_key = 8;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 9;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    const int16_t v = ctx.version();
    auto snap = svc.metadata->snapshot();

    response resp = error_response(req, v, error_code::none);
    const std::vector<partition_slot> known = known_partitions(*snap, req.topics, resp.topics);
    if (known.empty()) co_return resp;
    group::offset_commit_request commit;
    commit.partitions = offset_commit_partitions(req.topics, known, v >= 6, v == 1);

    std::vector<error_code> errors;
    if (v == 0) {
      errors = co_await commit_to_zookeeper(ctx, req.group_id, commit.partitions);
    } else if (svc.groups == nullptr) {
      errors.assign(known.size(), error_code::coordinator_not_available);
    } else {
      commit.group_id = req.group_id;
      commit.generation_id = req.generation_id_or_member_epoch;
      commit.member_id = req.member_id;
      commit.group_instance_id = v >= 7 ? req.group_instance_id : std::nullopt;
      commit.retention_time_ms = v >= 2 && v <= 4 ? req.retention_time_ms : -1;
      errors = co_await svc.groups->commit_offsets(std::move(commit));
    }
    answer_known(resp.topics, known, errors);
    co_return resp;
  }

  // Version 0: each offset is written to its znode, one after another (Kafka's
  // setOrCreateConsumerOffset); metadata is not stored, only its size is checked.
  static asio::awaitable<std::vector<error_code>> commit_to_zookeeper(request_context& ctx, const std::string& group_id,
                                                                      const std::vector<group::offset_commit_partition>& parts) {
    auto& svc = ctx.services;
    std::vector<error_code> errors(parts.size(), error_code::none);
    const size_t max_metadata = static_cast<size_t>(std::max(svc.config->offset_metadata_max_bytes(), 0));
    for (size_t i = 0; i < parts.size(); ++i) {
      const auto& p = parts[i];
      if (p.metadata && p.metadata->size() > max_metadata) {
        errors[i] = error_code::offset_metadata_too_large;
        continue;
      }
      if (svc.zk == nullptr) {
        errors[i] = error_code::unknown_server_error;
        continue;
      }
      std::string group = group_id;
      topic_partition tp = p.tp;
      auto done = co_await zk::set_consumer_offset(svc.zk->zk(), std::move(group), std::move(tp), p.offset);
      if (!done) {
        get_logger("server")->warn("OffsetCommit v0 of group {} for {} failed in ZooKeeper: {}", group_id,
                                   p.tp.to_string(), done.error().message());
        errors[i] = error_code::unknown_server_error;  // Kafka's Errors.forException of a ZooKeeper failure
      }
    }
    co_return errors;
  }

  // Kafka's OffsetCommitRequest.getErrorResponse: every partition of the request with `e`.
  static response error_response(const request& req, int16_t, error_code e) {
    response resp;
    mirror_partitions(resp.topics, req.topics, e);
    return resp;
  }
};

} // namespace

void register_offset_commit(handler_table& t) { register_handler<offset_commit_handler>(t); }

} // namespace gregor::server
