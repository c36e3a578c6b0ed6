#include "config_resources.h"

#include "gregor/common/logger.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/error_code.h"
#include "gregor/zk/kafka_zk.h"

namespace gregor::server {
namespace {

constexpr int8_t resource_topic = 2;
constexpr int8_t resource_broker = 4;

// Java's ConfigResource.Type names, for Kafka's "resource type is X" message.
const char* resource_type_name(int8_t t) {
  switch (t) {
    case 2: return "TOPIC";
    case 4: return "BROKER";
    case 8: return "BROKER_LOGGER";
    case 16: return "CLIENT_METRICS";
    case 32: return "GROUP";
  }
  return "UNKNOWN";
}

} // namespace

std::optional<config::alter_error> resolve_config_resource(const broker_services& services, int8_t resource_type,
                                                           const std::string& resource_name, config_entity& out) {
  if (resource_type == resource_topic) {
    if (services.metadata->snapshot()->find_topic(resource_name) == nullptr) {
      return config::alter_error{config::alter_error::kind::unknown_topic,
                                 "The topic '" + resource_name + "' does not exist."};
    }
    out = config_entity{"topics", resource_name, true, std::nullopt, resource_name};
    return std::nullopt;
  }
  if (resource_type == resource_broker) {
    config::broker_target target;
    if (auto err = config::parse_broker_resource(resource_name, services.broker_id, target)) return err;
    std::string name = target.id ? std::to_string(*target.id) : std::string("<default>");
    out = config_entity{"brokers", std::move(name), false, target.id, resource_name};
    return std::nullopt;
  }
  return config::alter_error{config::alter_error::kind::invalid_request,
                             std::string("AlterConfigs is only supported for topics and brokers, but resource type is ") +
                               resource_type_name(resource_type)};
}

int16_t alter_error_code(const config::alter_error& e) {
  using protocol::error_code;
  switch (e.code) {
    case config::alter_error::kind::invalid_config: return static_cast<int16_t>(error_code::invalid_config);
    case config::alter_error::kind::unknown_topic: return static_cast<int16_t>(error_code::unknown_topic_or_partition);
    case config::alter_error::kind::invalid_request: break;
  }
  return static_cast<int16_t>(error_code::invalid_request);
}

boost::asio::awaitable<std::optional<config_failure>> validate_and_store(broker_services& services,
                                                                         config_entity entity,
                                                                         std::map<std::string, std::string> values,
                                                                         bool validate_only) {
  auto invalid = entity.topic ? config::validate_topic_overrides(entity.resource_name, values)
                              : config::validate_broker_dynamic(entity.resource_name, values,
                                                                entity.broker_id.has_value());
  if (invalid) co_return config_failure{alter_error_code(*invalid), invalid->message};
  if (validate_only) co_return std::nullopt;
  std::string path = entity.type + "/" + entity.name;
  size_t keys = values.size();
  auto written = co_await services.zk->set_entity_config(std::move(entity.type), std::move(entity.name), std::move(values));
  if (!written) {
    config_failure failure;
    failure.error_code = static_cast<int16_t>(protocol::error_code::unknown_server_error);
    failure.message = "Cannot write /config/" + path + ": " + written.error().message();
    co_return failure;
  }
  get_logger("server")->info("updated the dynamic config of {} ({} keys)", path, keys);
  co_return std::nullopt;
}

} // namespace gregor::server
