#include "zk_producer_id_source.h"

#include "gregor/common/logger.h"
#include "gregor/zk/kafka_zk.h"

namespace gregor::app {

boost::asio::awaitable<result<std::pair<int64_t, int64_t>>> zk_producer_id_source::claim_block() {
  auto claimed = co_await _zk.claim_producer_id_block(_broker_id);
  if (!claimed) {
    get_logger("txn")->warn("cannot claim a producer id block: {}", claimed.error().message());
    co_return unexpected(claimed.error());
  }
  get_logger("txn")->info("claimed producer ids {} to {}", claimed->block_start, claimed->block_end);
  co_return std::pair{claimed->block_start, claimed->block_end};
}

} // namespace gregor::app
