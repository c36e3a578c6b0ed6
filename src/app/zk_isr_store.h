#pragma once
// zk_isr_store: the ZooKeeper side of leader-made ISR changes (replication::isr_store).
//
//   write_isr            CAS write of /brokers/topics/<t>/partitions/<p>/state at the zkVersion the
//                        leader knows, unfenced by /controller_epoch (Kafka's leader-side
//                        updateLeaderAndIsr). On bad_version the znode is re-read: if it already
//                        holds exactly the wanted leader, epochs and ISR (our earlier write whose
//                        reply was lost) that counts as success at the read version.
//   notify_isr_changed   queues the partition; a timer every 2.5 s writes the queued set as one
//                        /isr_change_notification/isr_change_<seq> when isr_change_batcher's
//                        rule says so (5 s quiet, or 60 s since the last write).
//
// Lifetime: create with make_shared; start() once; stop() after the replica manager stopped (no
// more changes come), awaited before the ZooKeeper session closes: it ends the timer and writes
// what is still queued. Threading: write_isr may be awaited from any executor (kafka_zk is
// thread-safe); notify_isr_changed is thread-safe; the timer loop runs on its own strand.

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "gregor/common/clock.h"
#include "gregor/replication/isr_store.h"
#include "isr_change_batcher.h"

namespace gregor::zk {
class kafka_zk;
}

namespace gregor::app {

class zk_isr_store final : public replication::isr_store, public std::enable_shared_from_this<zk_isr_store> {
public:
  // `zk` and `clk` must outlive the store.
  zk_isr_store(boost::asio::io_context& io, zk::kafka_zk& zk, clock& clk);

  boost::asio::awaitable<result<int32_t>> write_isr(replication::isr_write w) override;
  void notify_isr_changed(const topic_partition& tp) override;

  // Starts the propagation timer.
  void start();
  // Ends the timer loop (bounded wait) and writes every queued partition in one last attempt.
  boost::asio::awaitable<void> stop();

  // Partitions queued and not yet written (tests, logs).
  size_t queued() const { return _batcher.size(); }

  // At most this many partitions per notification znode (well under ZooKeeper's 1 MB jute limit).
  static constexpr size_t max_partitions_per_notification = 1000;

private:
  boost::asio::awaitable<void> run();
  // Writes `tps` as notifications of at most max_partitions_per_notification; what fails is
  // returned (not yet announced).
  boost::asio::awaitable<std::vector<topic_partition>> propagate(std::vector<topic_partition> tps);

  using strand = boost::asio::strand<boost::asio::io_context::executor_type>;
  strand _strand;
  zk::kafka_zk& _zk;
  clock& _clock;
  isr_change_batcher _batcher;

  // Strand-only state.
  boost::asio::steady_timer _timer;
  bool _stopped = false;
  std::atomic<bool> _done{true};
};

} // namespace gregor::app
