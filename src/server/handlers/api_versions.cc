// ApiVersions (key 18): what this broker serves, taken from the handler table (STYLE: ApiVersions
// comes from the handler table), so it advertises exactly what works.

#include <regex>

#include "gregor/protocol/messages/api_versions.h"
#include "handler.h"

namespace gregor::server {
namespace {

bool valid_software_text(const std::string& s) {
  static const std::regex pattern("[a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?");
  return std::regex_match(s, pattern);
}

struct api_versions_handler {
  using request = protocol::api_versions_request;
  using response = protocol::api_versions_response;
  static constexpr int16_t api_key = 18;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 4;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    response resp;
    if (ctx.version() >= 3 &&
        (!valid_software_text(req.client_software_name) || !valid_software_text(req.client_software_version))) {
      resp.error_code = static_cast<int16_t>(protocol::error_code::invalid_request);
      co_return resp;
    }
    ctx.table.for_each([&](int16_t key, const api_handler& h) {
      auto& k = resp.api_keys.emplace_back();
      k.api_key = key;
      k.min_version_ = h.min_version;
      k.max_version_ = h.max_version;
    });
    co_return resp;
  }

  static response error_response(const request&, int16_t, protocol::error_code e) {
    response resp;
    resp.error_code = static_cast<int16_t>(e);
    return resp;
  }
};

} // namespace

void register_api_versions(handler_table& t) { register_handler<api_versions_handler>(t); }

} // namespace gregor::server
