#include "request_batch.h"

namespace gregor::controller {

void request_batch::add_leader_and_isr(int32_t broker, partition_update update) {
  if (broker < 0) return;
  auto& slot = _brokers[broker].leader_and_isr;
  auto it = slot.find(update.tp);
  if (it != slot.end()) update.is_new = update.is_new || it->second.is_new;
  auto tp = update.tp;
  slot.insert_or_assign(std::move(tp), std::move(update));
}

void request_batch::add_stop_replica(int32_t broker, const topic_partition& tp, bool delete_partition,
                                     int32_t leader_epoch) {
  if (broker < 0) return;
  auto& slot = _brokers[broker].stop_replica;
  auto it = slot.find(tp);
  bool del = delete_partition || (it != slot.end() && it->second.delete_partition);
  slot.insert_or_assign(tp, stop_replica_entry{tp, del ? -2 : leader_epoch, del});
}

void request_batch::add_update_metadata(const std::set<int32_t>& brokers, const std::vector<topic_partition>& partitions) {
  for (int32_t b : brokers) {
    if (b < 0) continue;
    auto& p = _brokers[b];
    p.update_metadata = true;
    p.metadata_partitions.insert(partitions.begin(), partitions.end());
  }
}

std::map<int32_t, request_batch::for_broker> request_batch::take() {
  std::map<int32_t, for_broker> out;
  for (auto& [broker, p] : _brokers) {
    auto& f = out[broker];
    for (auto& [tp, u] : p.leader_and_isr) f.leader_and_isr.push_back(std::move(u));
    f.update_metadata = p.update_metadata;
    f.metadata_partitions = std::move(p.metadata_partitions);
    for (auto& [tp, e] : p.stop_replica) f.stop_replica.push_back(std::move(e));
  }
  _brokers.clear();
  return out;
}

} // namespace gregor::controller
