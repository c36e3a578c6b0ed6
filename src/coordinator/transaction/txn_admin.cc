// DescribeTransactions and ListTransactions (Kafka's TransactionCoordinator.handleDescribeTransactions
// and TransactionStateManager.listTransactionStates). Runs on the coordinator's strand.

#include <algorithm>
#include <set>
#include <unordered_set>

#include "coordinator_impl.h"

namespace gregor::txn {

std::vector<described_transaction> transaction_coordinator::impl::describe(const std::vector<std::string>& ids) const {
  std::vector<described_transaction> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    auto& d = out.emplace_back();
    d.transactional_id = id;
    int32_t epoch = -1;
    d.error = id.empty() ? error_code::invalid_request : check_owner(id, epoch);
    if (d.error != error_code::none) continue;
    auto m = find(id);
    if (!m || m->state() == txn_state::dead) {
      d.error = error_code::transactional_id_not_found;
      continue;
    }
    d.state = std::string(state_name(m->state()));
    d.timeout_ms = m->timeout_ms();
    d.start_ms = m->start_ms();
    d.producer_id = m->producer_id();
    d.producer_epoch = m->producer_epoch();
    d.partitions.assign(m->partitions().begin(), m->partitions().end());
  }
  return out;
}

list_transactions_result transaction_coordinator::impl::list(const std::vector<std::string>& states,
                                                              const std::vector<int64_t>& producer_ids,
                                                              int64_t duration_ms) const {
  list_transactions_result out;
  if (_stopped) {
    out.error = error_code::coordinator_not_available;
    return out;
  }
  for (const auto& [partition, shard] : _shards) {
    if (!shard.loaded) {
      out.error = error_code::coordinator_load_in_progress;
      return out;
    }
  }
  // Sets: a request may carry many filters, and each is asked once per transaction.
  std::set<txn_state> wanted;
  std::set<std::string> unknown;
  for (const auto& name : states) {
    if (auto s = state_from_name(name)) {
      wanted.insert(*s);
    } else if (unknown.insert(name).second) {
      out.unknown_state_filters.push_back(name);
    }
  }
  const std::unordered_set<int64_t> producers(producer_ids.begin(), producer_ids.end());
  const int64_t now = now_ms();
  for (const auto& [id, m] : _txns) {
    if (m->state() == txn_state::dead) continue;
    if (!producers.empty() && producers.count(m->producer_id()) == 0) continue;
    if (!states.empty() && wanted.count(m->state()) == 0) continue;
    if (duration_ms >= 0 && now - m->start_ms() <= duration_ms) continue;
    out.transactions.push_back(listed_transaction{id, m->producer_id(), std::string(state_name(m->state()))});
  }
  std::sort(out.transactions.begin(), out.transactions.end(),
            [](const listed_transaction& a, const listed_transaction& b) { return a.transactional_id < b.transactional_id; });
  return out;
}

} // namespace gregor::txn
