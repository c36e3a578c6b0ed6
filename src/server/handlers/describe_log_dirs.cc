// DescribeLogDirs (key 35): per log dir its error, total and usable bytes (v4, statvfs), and the
// partitions it holds (all, or the topics/partitions the request names) with their size. There
// are no future replicas (alter-log-dirs moves) yet: offset lag 0, is_future false.
//
// Threading: a partition's size is read on its strand (the partition owns its partition_log);
// a log with no partition hosting it (loaded but not yet given a LeaderAndIsr) is measured from
// its .log files on disk instead, never by touching the partition_log from this thread.

#include <sys/statvfs.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <system_error>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gregor/config/broker_config.h"
#include "gregor/log/filenames.h"
#include "gregor/log/log_manager.h"
#include "gregor/log/partition_log.h"
#include "gregor/protocol/messages/describe_log_dirs.h"
#include "gregor/replication/replica_manager.h"
#include "handler.h"

namespace gregor::server {
namespace {

namespace fs = std::filesystem;
using protocol::error_code;

// Runs on the partition's strand. -1 when the partition has no log at the moment.
asio::awaitable<int64_t> log_size_on_strand(std::shared_ptr<replication::partition> p) {
  const log::partition_log* l = p->log();
  co_return l != nullptr ? static_cast<int64_t>(l->size_bytes()) : -1;
}

// Sum of the partition's .log files (what its segments hold; segments are not preallocated by
// default). Used only when no partition owns the log.
int64_t size_on_disk(const fs::path& partition_dir) {
  int64_t total = 0;
  std::error_code ec;
  for (fs::directory_iterator it(partition_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != log::filenames::log_ext) continue;
    std::error_code size_ec;
    auto size = it->file_size(size_ec);
    if (!size_ec) total += static_cast<int64_t>(size);
  }
  return total;
}

asio::awaitable<int64_t> partition_size(broker_services& svc, const topic_partition& tp, const fs::path& log_dir) {
  auto p = svc.replicas != nullptr ? svc.replicas->get(tp) : nullptr;
  if (p) {
    auto ex = p->executor();
    auto task = log_size_on_strand(p);
    int64_t size = co_await asio::co_spawn(ex, std::move(task), asio::use_awaitable);
    if (size >= 0) co_return size;
  }
  co_return size_on_disk(log_dir / tp.to_string());
}

fs::path normalized(const fs::path& p) {
  std::error_code ec;
  auto abs = fs::absolute(p, ec);
  return (ec ? p : abs).lexically_normal();
}

struct describe_log_dirs_handler {
  using request = protocol::describe_log_dirs_request;
  using response = protocol::describe_log_dirs_response;
  using result_type = response::describe_log_dirs_result;
  static constexpr int16_t api_key = 35;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 4;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    response resp;
    if (svc.config == nullptr || svc.logs == nullptr) {
      resp.error_code = code(error_code::unknown_server_error);
      co_return resp;
    }
    // Which partitions the request wants: nullopt = every partition.
    std::optional<std::map<std::string, std::set<int32_t>>> wanted;
    if (req.topics) {
      wanted.emplace();
      for (const auto& t : *req.topics) (*wanted)[t.topic].insert(t.partitions.begin(), t.partitions.end());
    }
    // Partitions grouped by their (normalized) log dir, topics in name order.
    std::map<fs::path, std::map<std::string, std::vector<int32_t>>> by_dir;
    for (const auto& tp : svc.logs->partitions()) {
      if (wanted) {
        auto it = wanted->find(tp.topic);
        if (it == wanted->end() || it->second.count(tp.partition) == 0) continue;
      }
      by_dir[normalized(svc.logs->dir_of(tp))][tp.topic].push_back(tp.partition);
    }
    for (const auto& dir : svc.config->log_dirs()) {
      fs::path path = normalized(dir);
      auto& r = resp.results.emplace_back();
      r.error_code = code(error_code::none);
      r.log_dir = path.string();
      if (ctx.version() >= 4) {
        struct statvfs st{};
        if (::statvfs(path.c_str(), &st) == 0) {
          r.total_bytes = static_cast<int64_t>(st.f_blocks) * static_cast<int64_t>(st.f_frsize);
          r.usable_bytes = static_cast<int64_t>(st.f_bavail) * static_cast<int64_t>(st.f_frsize);
        }
      }
      auto found = by_dir.find(path);
      if (found == by_dir.end()) continue;
      for (const auto& [topic, partitions] : found->second) {
        auto& t = r.topics.emplace_back();
        t.name = topic;
        for (int32_t index : partitions) {
          topic_partition tp{topic, index};
          int64_t size = co_await partition_size(svc, tp, path);
          auto& p = t.partitions.emplace_back();
          p.partition_index = index;
          p.partition_size = size;
          p.offset_lag = 0;
          p.is_future_key = false;
        }
      }
    }
    co_return resp;
  }

  static response error_response(const request&, int16_t, error_code e) {
    response resp;
    resp.error_code = code(e);
    return resp;
  }
};

} // namespace

void register_describe_log_dirs(handler_table& t) { register_handler<describe_log_dirs_handler>(t); }

} // namespace gregor::server
