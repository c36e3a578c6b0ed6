#pragma once
// Private to the server: what AlterConfigs and IncrementalAlterConfigs share — resolving a
// resource to the ZooKeeper entity that stores its dynamic config, Kafka's error codes for
// config::alter_error, and the write of the new set (with its /config/changes notification).

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "gregor/config/dynamic_config.h"
#include "gregor/server/broker_services.h"

namespace gregor::server {

// A resource as stored: /config/<type>/<name>.
struct config_entity {
  std::string type;                   // "topics" or "brokers"
  std::string name;                   // topic, broker id, or "<default>"
  bool topic = false;
  std::optional<int32_t> broker_id;   // brokers only: nullopt for the cluster-wide default
  std::string resource_name;          // as the request named it (Kafka's messages quote it)
};

// Resolves an Alter*Configs resource (type 2 = topic, 4 = broker). Errors: an unknown topic,
// a broker resource that is neither this broker nor the default, any other resource type.
std::optional<config::alter_error> resolve_config_resource(const broker_services& services, int8_t resource_type,
                                                           const std::string& resource_name, config_entity& out);

// The response error code for an alter_error.
int16_t alter_error_code(const config::alter_error& e);

// Why a resource's change was refused or failed: the response's error code and message.
struct config_failure {
  int16_t error_code = 0;
  std::string message;
};

// Checks `values` as the entity's complete new dynamic set (Kafka's topic or broker rules), then,
// unless validate_only, replaces the stored config and notifies every broker. nullopt on success.
boost::asio::awaitable<std::optional<config_failure>> validate_and_store(broker_services& services,
                                                                         config_entity entity,
                                                                         std::map<std::string, std::string> values,
                                                                         bool validate_only);

// Every resource of `req` answered with `error` (the handlers' error_response).
template <typename Response, typename Request>
Response error_for_each_resource(const Request& req, int16_t error) {
  Response resp;
  for (const auto& r : req.resources) {
    auto& out = resp.responses.emplace_back();
    out.resource_type = r.resource_type;
    out.resource_name = r.resource_name;
    out.error_code = error;
    out.error_message = std::nullopt;
  }
  return resp;
}

} // namespace gregor::server
