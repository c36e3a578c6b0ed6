#pragma once
// dispatcher: turns request frames into handler calls (Kafka's KafkaApis entry point). It reads the
// request header, enforces the API and version ranges this broker advertises, decodes the body with
// the generated codecs, runs the API's handler and frames its response.
//
// Unknown API keys, versions outside the advertised range (except ApiVersions, which gets its
// v0-format UNSUPPORTED_VERSION answer) and bodies that do not decode close the connection, as
// Kafka does: such a request cannot be answered in a form the client could parse.
//
// Thread-safety: handle() may run concurrently for different connections.

#include <memory>

#include "gregor/network/request_handler.h"
#include "gregor/server/broker_services.h"

namespace gregor::server {

class handler_table;

class dispatcher final : public network::request_handler {
public:
  explicit dispatcher(broker_services& services);
  ~dispatcher() override;

  boost::asio::awaitable<network::handler_result> handle(const network::connection_info& conn,
                                                         shared_bytes frame) override;

  // The API ranges this broker serves (what ApiVersions advertises).
  const handler_table& table() const { return *_table; }

private:
  broker_services& _services;
  std::unique_ptr<handler_table> _table;
};

} // namespace gregor::server
