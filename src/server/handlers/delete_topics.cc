// DeleteTopics (key 20): only the controller serves it. Topics are marked in
// /admin/delete_topics; the controller deletes them; the answer waits (up to timeout_ms) until the
// topics are gone from this broker's metadata.

#include "gregor/config/broker_config.h"
#include "gregor/controller/controller.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/delete_topics.h"
#include "gregor/zk/kafka_zk.h"
#include "handler.h"
#include "topic_admin.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct delete_topics_handler {
  using request = protocol::delete_topics_request;
  using response = protocol::delete_topics_response;
  static constexpr int16_t api_key = 20;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 6;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    int16_t v = ctx.version();
    auto snap = svc.metadata->snapshot();
    response resp;
    // Normalise: v6 names topics by name or id, earlier versions by name.
    std::vector<std::pair<std::optional<std::string>, uuid>> wanted;
    if (v >= 6) {
      for (const auto& t : req.topics) wanted.emplace_back(t.name, t.topic_id);
    } else {
      for (const auto& n : req.topic_names) wanted.emplace_back(n, uuid{});
    }
    bool controller = svc.controller->is_active();
    std::vector<size_t> marked;
    for (const auto& [name_in, id] : wanted) {
      auto& out = resp.responses.emplace_back();
      out.name = name_in;
      out.topic_id = id;
      std::optional<std::string> name = name_in;
      if (!name && !id.is_zero()) {
        if (const auto* n = snap->topic_name_for(id)) name = *n;
      }
      if (!controller) {
        out.error_code = code(error_code::not_controller);
        continue;
      }
      if (!name || snap->find_topic(*name) == nullptr) {
        out.error_code = code(name ? error_code::unknown_topic_or_partition : error_code::unknown_topic_id);
        continue;
      }
      if (v >= 6) {
        out.name = *name;
        out.topic_id = snap->find_topic(*name)->topic_id;
      }
      if (!svc.config->delete_topic_enable()) {
        out.error_code = code(error_code::topic_deletion_disabled);
        continue;
      }
      auto r = co_await svc.zk->mark_topic_for_deletion(*name);
      if (!r && r.error() != zk::zk_errc::node_exists) {
        out.error_code = code(error_code::unknown_server_error);
        if (v >= 5) out.error_message = r.error().message();
        continue;
      }
      marked.push_back(resp.responses.size() - 1);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(0, req.timeout_ms));
    for (size_t i : marked) {
      auto& out = resp.responses[i];
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      auto wait = std::max(left, std::chrono::milliseconds(0));
      std::string name = *out.name;
      bool gone = co_await wait_for_topic_gone(svc, name, wait);
      out.error_code = code(gone ? error_code::none : error_code::request_timed_out);
    }
    co_return resp;
  }

  static response error_response(const request& req, int16_t v, error_code e) {
    response resp;
    if (v >= 6) {
      for (const auto& t : req.topics) {
        auto& out = resp.responses.emplace_back();
        out.name = t.name;
        out.topic_id = t.topic_id;
        out.error_code = code(e);
      }
    } else {
      for (const auto& n : req.topic_names) {
        auto& out = resp.responses.emplace_back();
        out.name = n;
        out.error_code = code(e);
      }
    }
    return resp;
  }
};

} // namespace

void register_delete_topics(handler_table& t) { register_handler<delete_topics_handler>(t); }

} // namespace gregor::server
