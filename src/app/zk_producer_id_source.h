#pragma once
// zk_producer_id_source: producer-id blocks claimed in ZooKeeper (/latest_producer_id_block) for
// the producer_id_manager.

#include <cstdint>
#include <utility>

#include "gregor/coordinator/producer_id_manager.h"

namespace gregor::zk {
class kafka_zk;
}

namespace gregor::app {

class zk_producer_id_source final : public txn::producer_id_block_source {
public:
  zk_producer_id_source(zk::kafka_zk& zk, int32_t broker_id) : _zk(zk), _broker_id(broker_id) {}
  boost::asio::awaitable<result<std::pair<int64_t, int64_t>>> claim_block() override;

private:
  zk::kafka_zk& _zk;
  int32_t _broker_id;
};

} // namespace gregor::app
