#include "internal_topics.h"

#include "gregor/common/logger.h"
#include "gregor/config/broker_config.h"
#include "gregor/coordinator/group_coordinator.h"
#include "gregor/coordinator/transaction_coordinator.h"
#include "gregor/metadata/metadata_cache.h"
#include "topic_admin.h"

namespace gregor::server {

namespace asio = boost::asio;
using protocol::error_code;

namespace {

struct internal_topic {
  std::string name;
  int32_t partitions = 0;
  int32_t replication_factor = 0;
  const char* replication_factor_key = "";
  std::map<std::string, std::string> configs;
};

asio::awaitable<void> create_internal_topic(broker_services& svc, internal_topic topic) {
  auto snap = svc.metadata->snapshot();
  if (snap->find_topic(topic.name) != nullptr) co_return;
  const auto alive = static_cast<int32_t>(snap->brokers.size());
  if (alive < topic.replication_factor) {
    get_logger("server")->error(
        "Number of alive brokers '{}' does not meet the required replication factor '{}' for the internal topic {} "
        "(configured via '{}'). This error can be ignored if the cluster is starting up and not all brokers are up "
        "yet.",
        alive, topic.replication_factor, topic.name, topic.replication_factor_key);
    co_return;
  }
  new_topic spec;
  spec.name = topic.name;
  spec.partitions = topic.partitions;
  spec.replication_factor = static_cast<int16_t>(topic.replication_factor);
  spec.configs = std::move(topic.configs);
  auto created = co_await create_topic(svc, std::move(spec), false);
  if (created.error == error_code::none) {
    get_logger("server")->info("created the internal topic {} with {} partitions", topic.name,
                               created.assignment.size());
  } else if (created.error != error_code::topic_already_exists) {
    get_logger("server")->warn("cannot create the internal topic {}: {} ({})", topic.name,
                               protocol::error_name(created.error), created.message);
  }
}

} // namespace

std::map<std::string, std::string> offsets_topic_configs(const config::broker_config& config) {
  return {
      {"cleanup.policy", "compact"},
      {"segment.bytes", std::to_string(config.offsets_topic_segment_bytes())},
      {"compression.type", "producer"},
  };
}

std::map<std::string, std::string> transaction_state_topic_configs(const config::broker_config& config) {
  return {
      {"cleanup.policy", "compact"},
      {"compression.type", "uncompressed"},
      {"min.insync.replicas", std::to_string(config.transaction_state_log_min_isr())},
      {"segment.bytes", std::to_string(config.transaction_state_log_segment_bytes())},
      {"unclean.leader.election.enable", "false"},
  };
}

asio::awaitable<void> create_offsets_topic(broker_services& svc) {
  internal_topic t;
  t.name = group::offsets_topic;
  t.partitions = svc.config->offsets_topic_num_partitions();
  t.replication_factor = svc.config->offsets_topic_replication_factor();
  t.replication_factor_key = "offsets.topic.replication.factor";
  t.configs = offsets_topic_configs(*svc.config);
  co_await create_internal_topic(svc, std::move(t));
}

asio::awaitable<void> create_transaction_state_topic(broker_services& svc) {
  internal_topic t;
  t.name = txn::transaction_state_topic;
  t.partitions = svc.config->transaction_state_log_num_partitions();
  t.replication_factor = svc.config->transaction_state_log_replication_factor();
  t.replication_factor_key = "transaction.state.log.replication.factor";
  t.configs = transaction_state_topic_configs(*svc.config);
  co_await create_internal_topic(svc, std::move(t));
}

} // namespace gregor::server
