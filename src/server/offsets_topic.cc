#include "offsets_topic.h"

#include "gregor/common/logger.h"
#include "gregor/config/broker_config.h"
#include "gregor/coordinator/group_coordinator.h"
#include "gregor/metadata/metadata_cache.h"
#include "topic_admin.h"

namespace gregor::server {

namespace asio = boost::asio;
using protocol::error_code;

std::map<std::string, std::string> offsets_topic_configs(const config::broker_config& config) {
  return {
      {"cleanup.policy", "compact"},
      {"segment.bytes", std::to_string(config.offsets_topic_segment_bytes())},
      {"compression.type", "producer"},
  };
}

asio::awaitable<void> create_offsets_topic(broker_services& svc) {
  auto snap = svc.metadata->snapshot();
  if (snap->find_topic(group::offsets_topic) != nullptr) co_return;
  const int32_t rf = svc.config->offsets_topic_replication_factor();
  const auto alive = static_cast<int32_t>(snap->brokers.size());
  if (alive < rf) {
    get_logger("server")->error(
        "Number of alive brokers '{}' does not meet the required replication factor '{}' for the offsets topic "
        "(configured via 'offsets.topic.replication.factor'). This error can be ignored if the cluster is starting "
        "up and not all brokers are up yet.",
        alive, rf);
    co_return;
  }
  new_topic spec;
  spec.name = group::offsets_topic;
  spec.partitions = svc.config->offsets_topic_num_partitions();
  spec.replication_factor = static_cast<int16_t>(rf);
  spec.configs = offsets_topic_configs(*svc.config);
  auto created = co_await create_topic(svc, std::move(spec), false);
  if (created.error == error_code::none) {
    get_logger("server")->info("created the offsets topic {} with {} partitions", group::offsets_topic,
                               created.assignment.size());
  } else if (created.error != error_code::topic_already_exists) {
    get_logger("server")->warn("cannot create the offsets topic {}: {} ({})", group::offsets_topic,
                               protocol::error_name(created.error), created.message);
  }
}

} // namespace gregor::server
