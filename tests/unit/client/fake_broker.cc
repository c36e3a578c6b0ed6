#include "fake_broker.h"

#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include "gregor/protocol/framing.h"

namespace gregor::client::test {

fake_broker::fake_broker() {
  network::server_options opts;
  opts.listeners.push_back({"PLAINTEXT", "127.0.0.1", 0});
  _server = std::make_unique<network::server>(_io, opts, *this);
  if (!_server->start()) throw std::runtime_error("fake broker cannot listen");
  _port = _server->bound_port("PLAINTEXT");
  _thread = std::thread([this] {
    auto guard = boost::asio::make_work_guard(_io);
    _io.run();
  });
}

fake_broker::~fake_broker() {
  auto drained = boost::asio::co_spawn(_io, _server->drain_and_close(std::chrono::seconds(2)), boost::asio::use_future);
  drained.wait_for(std::chrono::seconds(5));
  _io.stop();
  _thread.join();
  _server.reset();
}

std::vector<std::pair<int16_t, int16_t>> fake_broker::seen() const {
  std::lock_guard lock(_mutex);
  return _seen;
}

int fake_broker::count(int16_t api_key) const {
  std::lock_guard lock(_mutex);
  int n = 0;
  for (const auto& [k, v] : _seen) n += k == api_key ? 1 : 0;
  return n;
}

asio::awaitable<network::handler_result> fake_broker::handle(const network::connection_info&, shared_bytes frame) {
  network::handler_result out;
  protocol::reader r(frame);
  protocol::request_header h;
  if (!protocol::decode_request_header(r, h)) {
    out.what = network::handler_result::action::close;
    co_return out;
  }
  {
    std::lock_guard lock(_mutex);
    _seen.emplace_back(h.api_key, h.api_version);
  }
  switch (h.api_key) {
  case 18: {
    protocol::api_versions_response resp;
    if (h.api_version > api_versions_max) {
      resp.error_code = 35;
      resp.api_keys.push_back({18, 0, api_versions_max});
      out.response = protocol::encode_response_frame(h.correlation_id, 18, 0, resp);
      co_return out;
    }
    resp.api_keys.push_back({18, 0, api_versions_max});
    for (auto [k, lo, hi] : advertised) resp.api_keys.push_back({k, lo, hi});
    out.response = protocol::encode_response_frame(h.correlation_id, 18, h.api_version, resp);
    co_return out;
  }
  case 3: {
    protocol::metadata_request req;
    if (!req.decode(r, h.api_version) || !on_metadata) break;
    out.response = protocol::encode_response_frame(h.correlation_id, 3, h.api_version, on_metadata());
    co_return out;
  }
  case 19: {
    protocol::create_topics_request req;
    if (!req.decode(r, h.api_version) || !on_create_topics) break;
    out.response = protocol::encode_response_frame(h.correlation_id, 19, h.api_version, on_create_topics(req));
    co_return out;
  }
  case 0: {
    protocol::produce_request req;
    if (!req.decode(r, h.api_version) || !on_produce) break;
    out.response = protocol::encode_response_frame(h.correlation_id, 0, h.api_version, on_produce(req));
    co_return out;
  }
  default:
    if (on_other) {
      auto answer = on_other(h, r);
      if (answer) {
        out.response = std::move(*answer);
        co_return out;
      }
    }
    break;
  }
  out.what = network::handler_result::action::close;  // as Kafka does for what it does not serve
  co_return out;
}

} // namespace gregor::client::test
