#pragma once
// What OffsetCommit and TxnOffsetCommit hand the group coordinator: their known request
// partitions (known_partitions.h) as offset_commit_partitions, in the same order, so that the
// coordinator's errors spread back with answer_known().
//
// Request topics have `name` and `partitions[]` with `partition_index`, `committed_offset`,
// `committed_leader_epoch` and `committed_metadata` (and, for OffsetCommit, `commit_timestamp`).

#include <vector>

#include "gregor/common/topic_partition.h"
#include "gregor/coordinator/group_api.h"
#include "known_partitions.h"

namespace gregor::server {

// The partitions at `known`, with their committed leader epoch when `leader_epochs` (-1 otherwise)
// and their commit timestamp when `commit_timestamps` (-1, "now", otherwise; only for request
// partitions that carry one: OffsetCommit v1).
template <class RequestTopics>
std::vector<group::offset_commit_partition> offset_commit_partitions(const RequestTopics& topics,
                                                                     const std::vector<partition_slot>& known,
                                                                     bool leader_epochs,
                                                                     bool commit_timestamps = false) {
  std::vector<group::offset_commit_partition> out;
  out.reserve(known.size());
  for (const auto& slot : known) {
    const auto& t = topics[slot.topic];
    const auto& p = t.partitions[slot.partition];
    auto& o = out.emplace_back();
    o.tp = topic_partition{t.name, p.partition_index};
    o.offset = p.committed_offset;
    o.leader_epoch = leader_epochs ? p.committed_leader_epoch : -1;
    o.metadata = p.committed_metadata;
    if constexpr (requires { p.commit_timestamp; }) {
      if (commit_timestamps) o.commit_timestamp = p.commit_timestamp;
    }
  }
  return out;
}

} // namespace gregor::server
