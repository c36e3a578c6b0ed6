// TxnOffsetCommit (Kafka's GroupCoordinator.handleTxnCommitOffsets) and the completion of
// transactional offsets when the producer's marker reaches the group's partition. Runs on the
// coordinator's strand.
//
// The offsets are written as one transactional batch of the producer (coordinator origin: its
// epoch is checked, so a fenced producer gets INVALID_PRODUCER_EPOCH) and kept pending in the
// group until WriteTxnMarkers completes the transaction there; OffsetFetch with require_stable
// answers UNSTABLE_OFFSET_COMMIT for them meanwhile.

#include <algorithm>

#include "coordinator_impl.h"
#include "gregor/common/logger.h"

namespace gregor::group {

asio::awaitable<offset_commit_result> group_coordinator::impl::txn_commit(std::shared_ptr<impl> self,
                                                                          txn_offset_commit_request req) {
  (void)self;
  offset_commit_result result(req.partitions.size(), error_code::none);
  auto fail_all = [&](error_code e) {
    std::fill(result.begin(), result.end(), e);
    return result;
  };
  if (error_code e = check_owner(req.group_id); e != error_code::none) co_return fail_all(e);
  group_slot* slot = &get_or_create(req.group_id);  // an unknown group is created, as Kafka does
  {
    const group& g = slot->g;
    if (g.is(group_state::dead)) co_return fail_all(error_code::coordinator_not_available);
    // Kafka's validateOffsetCommit: the member is checked when the request names one (or a
    // generation or an instance id), the generation when it is set.
    if (req.generation_id >= 0 || !req.member_id.empty() || req.group_instance_id) {
      if (g.is_static_member_fenced(req.group_instance_id, req.member_id)) co_return fail_all(error_code::fenced_instance_id);
      if (!g.has(req.member_id)) co_return fail_all(error_code::unknown_member_id);
    }
    if (req.generation_id >= 0 && req.generation_id != g.generation) co_return fail_all(error_code::illegal_generation);
  }
  // Without a producer id this is a plain offset commit (Kafka's isTxnOffsetCommit).
  const bool transactional = req.producer_id >= 0;
  // No retention time; no commit timestamp either (TxnOffsetCommit has none: the handler leaves
  // it -1, so the offsets are committed now).
  offset_records written = commit_records(req.group_id, req.partitions, -1, result);
  if (written.records.empty()) co_return result;
  // Pending before the append (Kafka's prepareTxnOffsetCommit): a marker that lands while the
  // append waits for the ISR then completes them, as it must (the records precede it in the log).
  if (transactional) {
    for (const auto& [i, o] : written.accepted) slot->g.pending_txn_offsets[req.producer_id][req.partitions[i].tp] = o;
  }
  error_code e = co_await append_offsets(*slot, std::move(written.records), req.producer_id, req.producer_epoch);
  slot = find(req.group_id);  // null when the group went meanwhile (e is then an error)
  if (e != error_code::none && transactional && slot != nullptr) {
    // Kafka's failPendingTxnOffsetCommit: the write did not happen (as far as we know).
    auto pending = slot->g.pending_txn_offsets.find(req.producer_id);
    if (pending != slot->g.pending_txn_offsets.end()) {
      for (const auto& [i, o] : written.accepted) pending->second.erase(req.partitions[i].tp);
      if (pending->second.empty()) slot->g.pending_txn_offsets.erase(pending);
    }
  }
  for (auto& [i, o] : written.accepted) {
    result[i] = e;
    if (e == error_code::none && !transactional) slot->g.offsets[req.partitions[i].tp] = std::move(o);
  }
  co_return result;
}

void group_coordinator::impl::complete_txn(int64_t producer_id, const std::vector<int32_t>& partitions, bool commit) {
  for (auto& [id, slot] : _groups) {
    group& g = slot->g;
    if (std::find(partitions.begin(), partitions.end(), g.partition) == partitions.end()) continue;
    g.complete_txn_offsets(producer_id, commit);
  }
}

} // namespace gregor::group
