#include "gregor/client/api_version_table.h"

#include <algorithm>

#include "gregor/protocol/api.h"
#include "gregor/protocol/messages/alter_partition_reassignments.h"
#include "gregor/protocol/messages/create_partitions.h"
#include "gregor/protocol/messages/create_topics.h"
#include "gregor/protocol/messages/delete_groups.h"
#include "gregor/protocol/messages/delete_topics.h"
#include "gregor/protocol/messages/describe_groups.h"
#include "gregor/protocol/messages/describe_configs.h"
#include "gregor/protocol/messages/elect_leaders.h"
#include "gregor/protocol/messages/fetch.h"
#include "gregor/protocol/messages/find_coordinator.h"
#include "gregor/protocol/messages/heartbeat.h"
#include "gregor/protocol/messages/incremental_alter_configs.h"
#include "gregor/protocol/messages/join_group.h"
#include "gregor/protocol/messages/leave_group.h"
#include "gregor/protocol/messages/list_groups.h"
#include "gregor/protocol/messages/list_offsets.h"
#include "gregor/protocol/messages/list_partition_reassignments.h"
#include "gregor/protocol/messages/metadata.h"
#include "gregor/protocol/messages/offset_commit.h"
#include "gregor/protocol/messages/offset_delete.h"
#include "gregor/protocol/messages/offset_fetch.h"
#include "gregor/protocol/messages/produce.h"
#include "gregor/protocol/messages/sync_group.h"

namespace gregor::client {

namespace {
template <class Msg>
constexpr version_range codec_range(int16_t min = Msg::min_version, int16_t max = Msg::max_version) {
  return {std::max(min, Msg::min_version), std::min(max, Msg::max_version)};
}
} // namespace

std::optional<version_range> client_range(int16_t key) {
  using protocol::api_key;
  switch (static_cast<api_key>(key)) {
  case api_key::produce: return codec_range<protocol::produce_request>(3);
  case api_key::fetch: return codec_range<protocol::fetch_request>(4, 12);
  case api_key::list_offsets: return codec_range<protocol::list_offsets_request>(1);
  case api_key::metadata: return codec_range<protocol::metadata_request>(1);
  case api_key::api_versions: return codec_range<protocol::api_versions_request>();
  case api_key::create_topics: return codec_range<protocol::create_topics_request>();
  case api_key::delete_topics: return codec_range<protocol::delete_topics_request>();
  case api_key::describe_configs: return codec_range<protocol::describe_configs_request>();
  case api_key::create_partitions: return codec_range<protocol::create_partitions_request>();
  case api_key::find_coordinator: return codec_range<protocol::find_coordinator_request>();
  case api_key::join_group: return codec_range<protocol::join_group_request>();
  case api_key::sync_group: return codec_range<protocol::sync_group_request>();
  case api_key::heartbeat: return codec_range<protocol::heartbeat_request>();
  case api_key::leave_group: return codec_range<protocol::leave_group_request>();
  case api_key::offset_commit: return codec_range<protocol::offset_commit_request>(0, 8);
  case api_key::offset_fetch: return codec_range<protocol::offset_fetch_request>(0, 8);
  case api_key::list_groups: return codec_range<protocol::list_groups_request>();
  case api_key::describe_groups: return codec_range<protocol::describe_groups_request>();
  case api_key::delete_groups: return codec_range<protocol::delete_groups_request>();
  case api_key::offset_delete: return codec_range<protocol::offset_delete_request>();
  case api_key::elect_leaders: return codec_range<protocol::elect_leaders_request>();
  case api_key::incremental_alter_configs: return codec_range<protocol::incremental_alter_configs_request>();
  case api_key::alter_partition_reassignments: return codec_range<protocol::alter_partition_reassignments_request>();
  case api_key::list_partition_reassignments: return codec_range<protocol::list_partition_reassignments_request>();
  default: return std::nullopt;
  }
}

api_version_table api_version_table::from_response(const protocol::api_versions_response& r) {
  api_version_table t;
  for (const auto& k : r.api_keys) {
    if (k.min_version_ > k.max_version_ || k.min_version_ < 0) continue;
    t.set(k.api_key, {k.min_version_, k.max_version_});
  }
  return t;
}

void api_version_table::set(int16_t api_key, version_range broker) { _ranges[api_key] = broker; }

std::optional<version_range> api_version_table::broker_range(int16_t api_key) const {
  auto it = _ranges.find(api_key);
  if (it == _ranges.end()) return std::nullopt;
  return it->second;
}

std::optional<int16_t> api_version_table::negotiate(int16_t api_key, version_range ours) const {
  auto broker = broker_range(api_key);
  if (!broker) return std::nullopt;
  int16_t hi = std::min(ours.max, broker->max);
  int16_t lo = std::max(ours.min, broker->min);
  if (hi < lo) return std::nullopt;
  return hi;
}

std::optional<int16_t> api_version_table::negotiate(int16_t api_key) const {
  auto ours = client_range(api_key);
  if (!ours) return std::nullopt;
  return negotiate(api_key, *ours);
}

std::optional<int16_t> api_versions_retry_version(int16_t sent, const protocol::api_versions_response& reply) {
  if (sent <= 0) return std::nullopt;
  for (const auto& k : reply.api_keys) {
    if (k.api_key == static_cast<int16_t>(protocol::api_key::api_versions)) {
      return static_cast<int16_t>(std::clamp<int>(k.max_version_, 0, sent - 1));
    }
  }
  return int16_t{0};
}

} // namespace gregor::client
