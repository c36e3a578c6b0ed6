#pragma once
// A scriptable fake Kafka broker for client tests: a real network::server on 127.0.0.1:0 (own
// io_context and thread) that decodes requests with our codecs and answers through callbacks.
// It records every (api_key, version) it received. Callbacks run on the server's thread; set them
// before the client connects. Test-only.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "gregor/network/request_handler.h"
#include "gregor/network/server.h"
#include "gregor/protocol/messages/api_versions.h"
#include "gregor/protocol/messages/create_topics.h"
#include "gregor/protocol/messages/metadata.h"
#include "gregor/protocol/framing.h"
#include "gregor/protocol/messages/produce.h"
#include "gregor/protocol/reader.h"

namespace gregor::client::test {

namespace asio = boost::asio;

class fake_broker : public network::request_handler {
public:
  fake_broker();
  ~fake_broker() override;

  uint16_t port() const { return _port; }

  // ApiVersions above this version are answered with UNSUPPORTED_VERSION (v0 body, {18, 0, max}).
  int16_t api_versions_max = 4;
  // Ranges advertised for the other APIs (key, min, max).
  std::vector<std::tuple<int16_t, int16_t, int16_t>> advertised{{0, 3, 11}, {3, 0, 12}, {19, 0, 7}};

  std::function<protocol::metadata_response()> on_metadata;
  std::function<protocol::create_topics_response(const protocol::create_topics_request&)> on_create_topics;
  std::function<protocol::produce_response(const protocol::produce_request&)> on_produce;
  // Any other API: given the header and a reader positioned at the body, returns the whole
  // response frame (protocol::encode_response_frame), or nullopt to close the connection.
  std::function<std::optional<iobuf>(const protocol::request_header&, protocol::reader&)> on_other;

  // (api_key, api_version) of every request received, in order.
  std::vector<std::pair<int16_t, int16_t>> seen() const;
  int count(int16_t api_key) const;

  asio::awaitable<network::handler_result> handle(const network::connection_info& conn, shared_bytes frame) override;

private:
  mutable std::mutex _mutex;
  std::vector<std::pair<int16_t, int16_t>> _seen;
  boost::asio::io_context _io;
  std::unique_ptr<network::server> _server;
  std::thread _thread;
  uint16_t _port = 0;
};

} // namespace gregor::client::test
