#pragma once
// replica_fetcher: one fetcher of the replica_fetcher_manager (Kafka's ReplicaFetcherThread): the
// partitions this broker follows from one leader that hash to one fetcher index, fetched over one
// connection by one coroutine.
//
// Each round: read every partition's position on its strand (skipping partitions in back-off),
// send one Fetch v12, and hand each partition's answer back to its strand (append, truncate on a
// diverging epoch, resolve OFFSET_OUT_OF_RANGE with ListOffsets, or back off). An answer is applied
// only if the partition is still assigned to this fetcher under the same assignment (`generation`)
// when its strand runs it, so an answer in flight across remove()/add() is dropped.
//
// A fetcher left without partitions for one back-off period reports itself idle and the manager
// retires it (Kafka's shutdownIdleFetcherThreads); a partition that moves from one leader epoch to
// the next is removed and re-added at once and keeps the fetcher and its connection.
//
// Threading: the loop and the connection live on the fetcher's strand. add/remove/stop/size/
// finished are thread-safe (one mutex guards the assignment; atomics for the flags). Lifetime: the
// loop co-owns the fetcher (shared_from_this); after stop() it calls nothing outside itself and
// ends once its current wait returns (connect, round trip or a partition hop).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "gregor/protocol/error_code.h"
#include "gregor/replication/replica_fetcher_manager.h"
#include "replica_fetch_wire.h"

namespace gregor::network {
class client_connection;
}

namespace gregor::replication {

class replica_fetcher : public std::enable_shared_from_this<replica_fetcher> {
public:
  using strand_type = boost::asio::strand<boost::asio::io_context::executor_type>;
  using time_point = std::chrono::steady_clock::time_point;

  // Called from the loop (on the fetcher's strand, holding no lock of the fetcher) when it has had
  // no partition for one back-off period; the manager then retires it unless a partition came back.
  using idle_callback = std::function<void(const std::shared_ptr<replica_fetcher>&)>;

  replica_fetcher(boost::asio::io_context& io, int32_t broker_id, int32_t index, broker_endpoint leader,
                  replica_fetcher_options options, replica_fetcher_manager::partition_lookup lookup,
                  idle_callback on_idle);
  ~replica_fetcher();
  replica_fetcher(const replica_fetcher&) = delete;
  replica_fetcher& operator=(const replica_fetcher&) = delete;

  // Starts the loop (once).
  void start();
  // Ends the loop: closes the connection and interrupts its waits. Idempotent.
  void stop();
  bool stopped() const { return _stopped.load(); }
  // True once the loop has returned (or stop() came before start()).
  bool finished() const { return _finished.load(); }

  // Assigns `tp` under assignment `generation` (a re-assignment replaces the generation and ends
  // any back-off); it is fetched from the next round on.
  void add(const topic_partition& tp, uint64_t generation);
  // Unassigns `tp`; returns the number of partitions left.
  size_t remove(const topic_partition& tp);
  // Every assigned partition with its generation (the manager moves them on an endpoint change).
  std::vector<std::pair<topic_partition, uint64_t>> assigned() const;
  size_t size() const;
  // Still assigned under `generation`. Checked on the partition's strand right before an answer is
  // applied.
  bool is_current(const topic_partition& tp, uint64_t generation) const;

  const broker_endpoint& leader() const { return _leader; }
  int32_t index() const { return _index; }

private:
  struct entry {
    uint64_t generation = 0;
    time_point backoff_until{};
  };
  struct candidate {
    topic_partition tp;
    uint64_t generation = 0;
  };

  // The loop and its steps; all on _strand.
  static boost::asio::awaitable<void> run(std::shared_ptr<replica_fetcher> self);
  boost::asio::awaitable<void> round();
  boost::asio::awaitable<bool> ensure_connected();
  boost::asio::awaitable<std::vector<fetch_wire::fetch_target>> collect_positions(
      const std::vector<candidate>& candidates, std::vector<uint64_t>& generations);
  boost::asio::awaitable<void> handle_answer(const fetch_wire::fetch_target& target, uint64_t generation,
                                             fetch_wire::partition_answer answer);
  boost::asio::awaitable<void> resolve_out_of_range(const fetch_wire::fetch_target& target, uint64_t generation);
  boost::asio::awaitable<std::optional<fetch_wire::offset_answer>> list_offset(const fetch_wire::fetch_target& target,
                                                                              int64_t timestamp);
  // Waits `d` or until stop(); an interruptible wait also ends on add() (or returns at once when an
  // add() came since the last interruptible wait).
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds d, bool interruptible);
  void close_connection();
  // The hosted partition, or nullptr when gone or once stopped (the lookup may reach into a
  // replica manager that is shutting down).
  std::shared_ptr<partition> find(const topic_partition& tp) const;

  // Assignment snapshot: partitions not in back-off; `next_due` = the earliest back-off end.
  std::vector<candidate> fetchable(time_point now, std::optional<time_point>& next_due) const;
  void back_off(const topic_partition& tp, uint64_t generation, std::chrono::milliseconds d);
  void back_off_all(const std::vector<fetch_wire::fetch_target>& targets, const std::vector<uint64_t>& generations);
  // Logs a partition's error when it differs from the last one logged for it (not every round).
  void note_error(const topic_partition& tp, protocol::error_code e, const char* what);

  strand_type _strand;
  int32_t _broker_id;
  int32_t _index;
  broker_endpoint _leader;
  replica_fetcher_options _options;
  replica_fetcher_manager::partition_lookup _lookup;
  idle_callback _on_idle;

  mutable std::mutex _mutex;  // guards _partitions
  std::map<topic_partition, entry> _partitions;

  std::atomic<bool> _started{false};
  std::atomic<bool> _stopped{false};
  std::atomic<bool> _finished{false};
  std::atomic<bool> _wake_pending{false};

  // Strand-only state.
  boost::asio::steady_timer _timer;
  bool _sleep_interruptible = false;
  size_t _rotation = 0;  // where the next request starts in the partition order
  std::unique_ptr<network::client_connection> _connection;
  int32_t _correlation = 0;
  bool _connection_failing = false;
  std::unordered_map<topic_partition, protocol::error_code> _logged_errors;
};

} // namespace gregor::replication
