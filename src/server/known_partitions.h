#pragma once
// The request partitions the metadata knows, for the handlers whose answer mirrors the request's
// topics and partitions (OffsetCommit, OffsetDelete): they answer UNKNOWN_TOPIC_OR_PARTITION
// themselves for partitions the metadata does not have, pass the others to the group coordinator
// in request order and spread its per-partition errors back over the answer.
//
// Request topics are anything with `name` and `partitions[].partition_index`; answer topics have
// the same plus `partitions[].error_code`. Pure functions over the caller's objects.
//
// mirror_partitions() also takes request topics that list bare indexes in `partition_indexes`
// (DescribeProducers, WriteTxnMarkers).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "gregor/metadata/cluster_snapshot.h"
#include "gregor/protocol/error_code.h"
#include "handler.h"

namespace gregor::server {

// Where one request partition is answered: answer[topic].partitions[partition].
struct partition_slot {
  size_t topic = 0;
  size_t partition = 0;
};

// Appends to `answer` one topic per request topic and one partition per request partition, each
// with error `e`.
template <class AnswerTopics, class RequestTopics>
void mirror_partitions(AnswerTopics& answer, const RequestTopics& topics, protocol::error_code e) {
  answer.reserve(answer.size() + topics.size());
  for (const auto& t : topics) {
    auto& tr = answer.emplace_back();
    tr.name = t.name;
    auto add = [&](int32_t index) {
      auto& pr = tr.partitions.emplace_back();
      pr.partition_index = index;
      pr.error_code = code(e);
    };
    if constexpr (requires { t.partition_indexes; }) {
      tr.partitions.reserve(t.partition_indexes.size());
      for (int32_t index : t.partition_indexes) add(index);
    } else {
      tr.partitions.reserve(t.partitions.size());
      for (const auto& p : t.partitions) add(p.partition_index);
    }
  }
}

// The slots of the request partitions `snap` knows, in request order. The others are answered
// UNKNOWN_TOPIC_OR_PARTITION in `answer`, which must mirror `topics`.
template <class AnswerTopics, class RequestTopics>
std::vector<partition_slot> known_partitions(const metadata::cluster_snapshot& snap, const RequestTopics& topics,
                                             AnswerTopics& answer) {
  std::vector<partition_slot> known;
  for (size_t ti = 0; ti < topics.size(); ++ti) {
    const auto& t = topics[ti];
    for (size_t pi = 0; pi < t.partitions.size(); ++pi) {
      if (snap.find_partition(t.name, t.partitions[pi].partition_index) == nullptr) {
        answer[ti].partitions[pi].error_code = code(protocol::error_code::unknown_topic_or_partition);
        continue;
      }
      known.push_back(partition_slot{ti, pi});
    }
  }
  return known;
}

// Writes the coordinator's per-partition errors into `answer`: error_of(errors[i]) belongs to
// slots[i]. The coordinator answers one error per partition it was given; a missing one is our
// bug, not the client's, and is answered UNKNOWN_SERVER_ERROR.
template <class AnswerTopics, class Errors, class ErrorOf = std::identity>
void answer_known(AnswerTopics& answer, const std::vector<partition_slot>& slots, const Errors& errors,
                  ErrorOf error_of = {}) {
  for (size_t i = 0; i < slots.size(); ++i) {
    const protocol::error_code e = i < errors.size() ? error_of(errors[i]) : protocol::error_code::unknown_server_error;
    answer[slots[i].topic].partitions[slots[i].partition].error_code = code(e);
  }
}

} // namespace gregor::server
