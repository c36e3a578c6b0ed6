// OffsetFetch (key 9, v0-9): a group's committed offsets (Kafka's
// KafkaApis.handleOffsetFetchRequest).
//
// v0 reads ZooKeeper (/consumers/<group>/offsets/<topic>/<partition>, as Kafka did for the pre-0.9
// clients): a partition the metadata does not know, or one without a znode, answers offset -1
// with UNKNOWN_TOPIC_OR_PARTITION (Kafka's OffsetFetchResponse.UNKNOWN_PARTITION). v1+ asks the
// group coordinator, which answers -1 with no error for partitions nothing was committed for.
//
// Per version: v0-1 have no top-level error, so a group error (NOT_COORDINATOR, ...) is repeated
// in every requested partition; v2+ may ask for every committed partition (null topics) and carry
// the group error at the top level; v5+ return the leader epoch; v7+ require_stable; v8+ batch
// several groups, each answered with its own error (v9's member id and epoch belong to the new
// consumer protocol and are not checked for classic groups).

#include "gregor/common/logger.h"
#include "gregor/coordinator/group_coordinator.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/offset_fetch.h"
#include "gregor/zk/consumer_offsets_zk.h"
#include "gregor/zk/kafka_zk.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

constexpr int64_t invalid_offset = -1;

struct offset_fetch_handler {
  using request = protocol::offset_fetch_request;
  using response = protocol::offset_fetch_response;
  static constexpr int16_t api_key = 9;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 9;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    const int16_t v = ctx.version();
    if (v == 0) co_return co_await fetch_from_zookeeper(ctx, req);
    const bool require_stable = v >= 7 && req.require_stable;

    if (v < 8) {
      auto in = group_request(req.group_id, req.topics, require_stable);
      auto result = co_await fetch_group(ctx, std::move(in));
      if (result.error != error_code::none) co_return error_response(req, v, result.error);
      response resp;
      add_partitions(resp.topics, result.partitions);
      co_return resp;
    }

    response resp;
    resp.groups.reserve(req.groups.size());
    for (const auto& g : req.groups) {
      auto in = group_request(g.group_id, g.topics, require_stable);
      auto result = co_await fetch_group(ctx, std::move(in));
      auto& gr = resp.groups.emplace_back();
      gr.group_id = g.group_id;
      gr.error_code = code(result.error);
      if (result.error == error_code::none) add_partitions(gr.topics, result.partitions);
    }
    co_return resp;
  }

  // The coordinator's request for one group: its requested partitions in request order, or
  // nullopt (every committed partition) for null topics. Topics of v0-7 and of v8+ groups alike.
  template <typename Topics>
  static group::offset_fetch_request group_request(const std::string& group_id, const std::optional<Topics>& topics,
                                                   bool require_stable) {
    group::offset_fetch_request in;
    in.group_id = group_id;
    if (topics) {
      std::vector<topic_partition> partitions;
      for (const auto& t : *topics) {
        for (int32_t p : t.partition_indexes) partitions.push_back(topic_partition{t.name, p});
      }
      in.partitions = std::move(partitions);
    }
    in.require_stable = require_stable;
    return in;
  }

  // The coordinator's answer (in request order) as response topics of v0-7 or of a v8+ group: a
  // new topic entry wherever the topic changes. The partitions' metadata is moved out.
  template <typename Topics>
  static void add_partitions(Topics& topics, std::vector<group::offset_fetch_partition>& partitions) {
    for (auto& p : partitions) {
      if (topics.empty() || topics.back().name != p.tp.topic) topics.emplace_back().name = p.tp.topic;
      auto& out = topics.back().partitions.emplace_back();
      out.partition_index = p.tp.partition;
      out.committed_offset = p.offset;
      out.committed_leader_epoch = p.leader_epoch;
      out.metadata = std::move(p.metadata);
      out.error_code = code(p.error);
    }
  }

  static asio::awaitable<group::offset_fetch_result> fetch_group(request_context& ctx, group::offset_fetch_request in) {
    if (ctx.services.groups == nullptr) {
      group::offset_fetch_result none;
      none.error = error_code::coordinator_not_available;
      co_return none;
    }
    co_return co_await ctx.services.groups->fetch_offsets(std::move(in));
  }

  // Version 0: one znode read per partition (Kafka's getConsumerOffset); no metadata is kept there.
  static asio::awaitable<response> fetch_from_zookeeper(request_context& ctx, const request& req) {
    auto& svc = ctx.services;
    auto snap = svc.metadata->snapshot();
    response resp = every_partition(req, error_code::none);
    for (auto& tr : resp.topics) {
      for (auto& pr : tr.partitions) {
        const int32_t partition = pr.partition_index;
        if (snap->find_partition(tr.name, partition) == nullptr || svc.zk == nullptr) {
          pr.error_code = code(svc.zk == nullptr ? error_code::unknown_server_error
                                                 : error_code::unknown_topic_or_partition);
          continue;
        }
        std::string group = req.group_id;
        topic_partition tp{tr.name, partition};
        auto got = co_await zk::get_consumer_offset(svc.zk->zk(), std::move(group), std::move(tp));
        if (!got) {
          get_logger("server")->warn("OffsetFetch v0 of group {} for {}-{} failed in ZooKeeper: {}", req.group_id,
                                     tr.name, partition, got.error().message());
          pr.error_code = code(error_code::unknown_server_error);
        } else if (!got->has_value()) {
          pr.error_code = code(error_code::unknown_topic_or_partition);
        } else {
          pr.committed_offset = **got;
          pr.error_code = code(error_code::none);
        }
      }
    }
    co_return resp;
  }

  // The v0-1 answer shape: every requested partition (none for null topics) with offset -1, no
  // metadata and error `e`.
  static response every_partition(const request& req, error_code e) {
    response resp;
    if (!req.topics) return resp;
    for (const auto& t : *req.topics) {
      auto& tr = resp.topics.emplace_back();
      tr.name = t.name;
      for (int32_t partition : t.partition_indexes) {
        auto& pr = tr.partitions.emplace_back();
        pr.partition_index = partition;
        pr.committed_offset = invalid_offset;
        pr.metadata = "";
        pr.error_code = code(e);
      }
    }
    return resp;
  }

  // Kafka's OffsetFetchRequest.getErrorResponse: v0-1 the error in every requested partition
  // (offset -1, no metadata); v2-7 the top-level error alone; v8+ every group with the error.
  static response error_response(const request& req, int16_t version, error_code e) {
    if (version < 2) return every_partition(req, e);
    response resp;
    if (version < 8) {
      resp.error_code = code(e);
    } else {
      for (const auto& g : req.groups) {
        auto& gr = resp.groups.emplace_back();
        gr.group_id = g.group_id;
        gr.error_code = code(e);
      }
    }
    return resp;
  }
};

} // namespace

void register_offset_fetch(handler_table& t) { register_handler<offset_fetch_handler>(t); }

} // namespace gregor::server
