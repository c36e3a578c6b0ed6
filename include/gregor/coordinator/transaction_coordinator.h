#pragma once
// transaction_coordinator: Kafka's TransactionCoordinator for the transactional ids whose
// __transaction_state partition this broker leads. It hands out producer ids and epochs
// (InitProducerId), records which partitions a transaction wrote to (AddPartitionsToTxn,
// AddOffsetsToTxn), ends transactions (EndTxn): it writes PrepareCommit/PrepareAbort, sends
// WriteTxnMarkers to the leaders of every partition of the transaction, and writes
// CompleteCommit/CompleteAbort once all have the marker. It aborts transactions that outlive their
// timeout and forgets ids idle for transactional.id.expiration.ms.
//
// Every state change is written to __transaction_state (acks=-1) before it is acknowledged. On
// becoming leader of a partition the coordinator replays it (COORDINATOR_LOAD_IN_PROGRESS
// meanwhile) and resends the markers of transactions it finds in PrepareCommit/PrepareAbort; on
// losing it, it drops them (NOT_COORDINATOR). The coordinator epoch of a transaction is the leader
// epoch of its partition; markers carry it so that a deposed coordinator's markers are refused.
//
// Threading: every public method is thread-safe; the state lives on one strand of the broker's
// io_context and results come back on the caller's executor.
//
// Lifecycle: construct, start(), then shutdown() (awaitable) before the replica_manager stops.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "gregor/common/topic_partition.h"
#include "gregor/protocol/error_code.h"

namespace boost::asio {
class io_context;
}
namespace gregor {
class clock;
}
namespace gregor::config {
class broker_config;
}
namespace gregor::metadata {
class metadata_cache;
}
namespace gregor::replication {
class replica_manager;
}

namespace gregor::txn {

class producer_id_manager;

inline constexpr const char* transaction_state_topic = "__transaction_state";

struct init_producer_id_request {
  std::string transactional_id;  // non-empty
  int32_t timeout_ms = 0;
  // v3+: the producer's current id and epoch (both -1 when it has none).
  std::optional<std::pair<int64_t, int16_t>> expected;
};

struct init_producer_id_result {
  protocol::error_code error = protocol::error_code::none;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};

// DescribeTransactions, per id: NONE, NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS or
// TRANSACTIONAL_ID_NOT_FOUND.
struct described_transaction {
  protocol::error_code error = protocol::error_code::none;
  std::string transactional_id;
  std::string state;  // Kafka's state name ("Ongoing", ...)
  int32_t timeout_ms = 0;
  int64_t start_ms = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  std::vector<topic_partition> partitions;  // sorted
};

struct listed_transaction {
  std::string transactional_id;
  int64_t producer_id = -1;
  std::string state;
};

// ListTransactions: COORDINATOR_LOAD_IN_PROGRESS while a partition loads.
struct list_transactions_result {
  protocol::error_code error = protocol::error_code::none;
  std::vector<std::string> unknown_state_filters;
  std::vector<listed_transaction> transactions;
};

struct transaction_coordinator_options {
  int32_t broker_id = -1;
  std::string inter_broker_listener;  // where markers go
};

class transaction_coordinator {
public:
  transaction_coordinator(boost::asio::io_context& io, replication::replica_manager& replicas,
                          const metadata::metadata_cache& metadata, const config::broker_config& config, clock& clk,
                          producer_id_manager& producer_ids, transaction_coordinator_options options);
  ~transaction_coordinator();
  transaction_coordinator(const transaction_coordinator&) = delete;
  transaction_coordinator& operator=(const transaction_coordinator&) = delete;

  // Starts the timeout-abort and id-expiry timers.
  void start();
  // Stops timers and marker sending and drops all state (Kafka's shutdown: in-flight work is
  // finished by the next coordinator).
  boost::asio::awaitable<void> shutdown();

  // The __transaction_state partition of `transactional_id` (Java hash modulo the topic's partition
  // count; transaction.state.log.num.partitions until the topic exists).
  int32_t partition_for(const std::string& transactional_id) const;

  // Leadership of __transaction_state partitions (from the replica_manager's listener).
  void on_elected(int32_t partition, int32_t leader_epoch);
  void on_resigned(int32_t partition, int32_t leader_epoch);

  boost::asio::awaitable<init_producer_id_result> init_producer_id(init_producer_id_request request);
  // AddPartitionsToTxn, and AddOffsetsToTxn with the group's __consumer_offsets partition.
  boost::asio::awaitable<protocol::error_code> add_partitions(std::string transactional_id, int64_t producer_id,
                                                              int16_t producer_epoch,
                                                              std::vector<topic_partition> partitions);
  boost::asio::awaitable<protocol::error_code> end_transaction(std::string transactional_id, int64_t producer_id,
                                                               int16_t producer_epoch, bool commit);

  boost::asio::awaitable<std::vector<described_transaction>> describe_transactions(std::vector<std::string> ids);
  // Filters as Kafka's: state names (exact; unknown ones reported and matching nothing), producer
  // ids, and a minimum running time (duration_ms >= 0: only transactions open longer).
  boost::asio::awaitable<list_transactions_result> list_transactions(std::vector<std::string> states,
                                                                     std::vector<int64_t> producer_ids,
                                                                     int64_t duration_ms);

  class impl;  // defined in src/coordinator/transaction/coordinator_impl.h

private:
  std::shared_ptr<impl> _impl;
};

} // namespace gregor::txn
