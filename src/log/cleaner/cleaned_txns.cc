#include "cleaned_txns.h"

#include <algorithm>

namespace gregor::log::cleaner_detail {

cleaned_txns::cleaned_txns(std::span<const aborted_txn> aborted, int64_t scan_start) {
  for (const auto& txn : aborted) {
    if (txn.last_offset >= scan_start) _aborted.push_back(txn);
  }
  std::stable_sort(_aborted.begin(), _aborted.end(),
                   [](const aborted_txn& a, const aborted_txn& b) { return a.first_offset < b.first_offset; });
}

void cleaned_txns::begin_up_to(int64_t offset) {
  while (_next < _aborted.size() && _aborted[_next].first_offset <= offset) {
    const auto& txn = _aborted[_next++];
    _aborting.try_emplace(txn.producer_id, ongoing_abort{txn, false});
  }
}

bool cleaned_txns::on_data_batch(int64_t producer_id, bool transactional, int64_t last_offset) {
  begin_up_to(last_offset);
  if (!transactional || producer_id < 0) return false;
  if (auto it = _aborting.find(producer_id); it != _aborting.end()) {
    it->second.batch_seen = true;
    return true;
  }
  _committing.insert(producer_id);
  return false;
}

bool cleaned_txns::on_control_batch(int64_t producer_id, int64_t last_offset, int32_t record_count,
                                    std::optional<txn_marker> marker) {
  begin_up_to(last_offset);
  if (record_count <= 0) return true;  // emptied by an earlier cleaning
  if (!marker) return false;           // a control type we do not know: keep it
  if (!marker->commit) {
    auto it = _aborting.find(producer_id);
    if (it == _aborting.end()) {
      // No .txnindex entry: a lost entry, if batches of the transaction were seen (they were taken
      // for committed data). Kafka drops such a marker; we keep it while those batches are there,
      // as for a COMMIT, so that a replay never finds them without a marker.
      if (_committing.erase(producer_id) == 0) return true;
      ++_unindexed_aborts;
      return false;
    }
    bool keep = it->second.batch_seen;
    if (keep) _retained.push_back(it->second.txn);
    _aborting.erase(it);
    return !keep;
  }
  return _committing.erase(producer_id) == 0;
}

std::vector<aborted_txn> cleaned_txns::take_retained() {
  std::vector<aborted_txn> out;
  out.swap(_retained);
  return out;
}

} // namespace gregor::log::cleaner_detail
