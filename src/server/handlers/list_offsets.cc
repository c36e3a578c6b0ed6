// ListOffsets (key 2): earliest (-2), latest (-1) and by-timestamp offsets from each partition's
// leader. The max-timestamp query (-3, v7+) is not served yet, so the range stops at v6.

#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/list_offsets.h"
#include "gregor/replication/replica_manager.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct list_offsets_handler {
  using request = protocol::list_offsets_request;
  using response = protocol::list_offsets_response;
  static constexpr int16_t api_key = 2;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 6;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    int16_t v = ctx.version();
    auto snap = svc.metadata->snapshot();
    bool from_consumer = req.replica_id < 0;
    const bool read_committed = v >= 2 && req.isolation_level == 1;
    response resp;
    for (const auto& t : req.topics) {
      auto& tr = resp.topics.emplace_back();
      tr.name = t.name;
      for (const auto& p : t.partitions) {
        auto& pr = tr.partitions.emplace_back();
        pr.partition_index = p.partition_index;
        if (snap->find_partition(t.name, p.partition_index) == nullptr) {
          pr.error_code = code(error_code::unknown_topic_or_partition);
          continue;
        }
        if (p.timestamp < -2) {
          pr.error_code = code(error_code::unsupported_version);
          continue;
        }
        topic_partition tp{t.name, p.partition_index};
        auto found = co_await svc.replicas->list_offset(tp, p.timestamp, p.current_leader_epoch, from_consumer,
                                                        read_committed);
        // The partition exists (metadata says so) but is not hosted here: not the leader.
        if (found.error == error_code::unknown_topic_or_partition) found.error = error_code::not_leader_or_follower;
        pr.error_code = code(found.error);
        if (found.error != error_code::none) continue;
        if (v == 0) {
          if (found.offset >= 0 && p.max_num_offsets > 0) pr.old_style_offsets.push_back(found.offset);
        } else {
          pr.timestamp = found.timestamp;
          pr.offset = found.offset;
          if (v >= 4) pr.leader_epoch = found.leader_epoch;
        }
      }
    }
    co_return resp;
  }

  static response error_response(const request& req, int16_t, error_code e) {
    response resp;
    for (const auto& t : req.topics) {
      auto& tr = resp.topics.emplace_back();
      tr.name = t.name;
      for (const auto& p : t.partitions) {
        auto& pr = tr.partitions.emplace_back();
        pr.partition_index = p.partition_index;
        pr.error_code = code(e);
      }
    }
    return resp;
  }
};

} // namespace

void register_list_offsets(handler_table& t) { register_handler<list_offsets_handler>(t); }

} // namespace gregor::server
