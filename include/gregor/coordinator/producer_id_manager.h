#pragma once
// Hands out producer ids (InitProducerId) from blocks claimed in ZooKeeper, as a ZooKeeper-mode
// Kafka broker does: ids are unique across the cluster because each broker claims a block of 1000
// through /latest_producer_id_block and uses it up before claiming the next. Ids of a block not
// used when the broker stops are never handed out (as in Kafka).
//
// Thread-safe: next() may be called from any thread; one claim is in flight at a time and the
// callers that arrive meanwhile wait for it.

#include <cstdint>
#include <memory>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "gregor/common/result.h"

namespace gregor::txn {

// Where blocks come from (the app implements it over zk::kafka_zk::claim_producer_id_block).
class producer_id_block_source {
public:
  virtual ~producer_id_block_source() = default;
  // Claims the next block: its first and last id, inclusive. An error leaves nothing claimed.
  virtual boost::asio::awaitable<result<std::pair<int64_t, int64_t>>> claim_block() = 0;
};

class producer_id_manager {
public:
  producer_id_manager(boost::asio::any_io_executor executor, producer_id_block_source& source);
  ~producer_id_manager();
  producer_id_manager(const producer_id_manager&) = delete;
  producer_id_manager& operator=(const producer_id_manager&) = delete;

  // The next unused producer id; claims a new block when the current one is used up. An error
  // when the claim failed (the caller answers COORDINATOR_NOT_AVAILABLE, and the client retries).
  boost::asio::awaitable<result<int64_t>> next();

  struct state;  // private to the .cc

private:
  std::shared_ptr<state> _state;
};

} // namespace gregor::txn
