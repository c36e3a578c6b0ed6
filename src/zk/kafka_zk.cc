#include "gregor/zk/kafka_zk.h"

#include <algorithm>
#include <limits>
#include <chrono>
#include <charconv>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gregor/common/logger.h"

namespace gregor::zk {

namespace {

bytes to_bytes(std::string_view s) { return bytes(s.begin(), s.end()); }

std::string_view text_of(const std::optional<bytes>& b) {
  return b ? as_string_view(bytes_view(*b)) : std::string_view();
}

std::optional<int32_t> parse_id(std::string_view s) {
  int32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Children of `path`; a missing parent reads as "no children".
asio::awaitable<result<std::vector<std::string>>> children_or_empty(session& s, std::string path) {
  auto r = co_await s.children(std::move(path));
  if (!r && r.error() == zk_errc::no_node) co_return std::vector<std::string>{};
  co_return r;
}

// Set the data, creating the znode (and parents) if it is missing.
asio::awaitable<result<void>> set_or_create(session& s, std::string path, bytes data) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto set = co_await s.set(path, data, -1);
    if (set) co_return result<void>{};
    if (set.error() != zk_errc::no_node) co_return unexpected(set.error());
    auto made = co_await s.create_recursive(path, data);
    if (made) co_return result<void>{};
    if (made.error() != zk_errc::node_exists) co_return made;
    // Someone created it between our set and create: set again.
  }
  co_return unexpected(zk_errc::bad_version);
}

asio::awaitable<void> sleep_ms(int ms) {
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(asio::use_awaitable);
}

bool is_connection_error(const std::error_code& ec) {
  return ec == zk_errc::connection_loss || ec == zk_errc::operation_timeout || ec == zk_errc::session_expired;
}

} // namespace

kafka_zk::kafka_zk(session& s, gregor::clock& c) : _s(s), _clock(c) {}

asio::awaitable<result<void>> kafka_zk::ensure_base_paths() {
  for (auto& p : paths::base_paths()) {
    auto r = co_await _s.create_recursive(std::move(p), std::nullopt);
    if (!r && r.error() != zk_errc::node_exists) co_return r;
  }
  co_return result<void>{};
}

asio::awaitable<result<std::string>> kafka_zk::get_or_create_cluster_id() {
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto got = co_await _s.get(paths::cluster_id());
    if (got) {
      auto id = decode_cluster_id(text_of(got->first));
      if (!id) co_return unexpected(zk_errc::bad_data);
      co_return std::move(*id);
    }
    if (got.error() != zk_errc::no_node) co_return unexpected(got.error());
    std::string fresh = uuid::random().to_base64url();
    auto made = co_await _s.create_recursive(paths::cluster_id(), to_bytes(encode_cluster_id(fresh)));
    if (made) co_return fresh;
    if (made.error() != zk_errc::node_exists) co_return unexpected(made.error());
    // Lost the race: read the winner's id on the next iteration.
  }
  co_return unexpected(zk_errc::node_exists);
}

asio::awaitable<result<int64_t>> kafka_zk::register_broker(const broker_registration& reg) {
  const std::string path = paths::broker(reg.id);
  const bytes data = to_bytes(encode_broker_registration(reg));
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::vector<op> ops;
    ops.push_back(op::create(path, std::nullopt, create_mode::ephemeral));
    ops.push_back(op::set(path, data, 0));
    auto r = co_await _s.multi(std::move(ops));
    if (r) co_return (*r)[1].node_stat->czxid;
    if (r.error() != zk_errc::node_exists) co_return unexpected(r.error());

    auto existing = co_await _s.exists(path);
    if (!existing) co_return unexpected(existing.error());
    if (!*existing) continue;  // the old ephemeral vanished meanwhile: try again
    if ((*existing)->ephemeral_owner == _s.session_id()) {
      co_return (*existing)->czxid;  // our own registration (e.g. a retry after connection loss)
    }
    get_logger("zk")->error("broker id {} is already registered by session 0x{:x}", reg.id,
                            (*existing)->ephemeral_owner);
    co_return unexpected(zk_errc::node_exists);
  }
  co_return unexpected(zk_errc::node_exists);
}

asio::awaitable<result<std::optional<controller_claim>>> kafka_zk::get_controller_epoch() {
  auto got = co_await _s.get(paths::controller_epoch());
  if (!got) {
    if (got.error() == zk_errc::no_node) co_return std::optional<controller_claim>();
    co_return unexpected(got.error());
  }
  auto epoch = decode_controller_epoch(text_of(got->first));
  if (!epoch) co_return unexpected(zk_errc::bad_data);
  co_return std::optional<controller_claim>(controller_claim{*epoch, got->second.version});
}

asio::awaitable<result<std::optional<int32_t>>> kafka_zk::get_controller_id() {
  auto got = co_await _s.get(paths::controller());
  if (!got) {
    if (got.error() == zk_errc::no_node) co_return std::optional<int32_t>();
    co_return unexpected(got.error());
  }
  auto info = decode_controller(text_of(got->first));
  if (!info) co_return unexpected(zk_errc::bad_data);
  co_return std::optional<int32_t>(info->broker_id);
}

asio::awaitable<result<std::optional<controller_claim>>> kafka_zk::try_elect_controller(int32_t broker_id) {
  using R = std::optional<controller_claim>;
  // Step 1: current epoch and its zkVersion; the first would-be controller creates it as 0.
  auto current = co_await get_controller_epoch();
  if (!current) co_return unexpected(current.error());
  controller_claim seen{0, 0};
  if (*current) {
    seen = **current;
  } else {
    auto made = co_await _s.create_recursive(paths::controller_epoch(), to_bytes(encode_controller_epoch(0)));
    if (!made && made.error() != zk_errc::node_exists) co_return unexpected(made.error());
    if (!made) {
      auto again = co_await get_controller_epoch();
      if (!again) co_return unexpected(again.error());
      if (!*again) co_return unexpected(zk_errc::no_node);
      seen = **again;
    }
  }
  const int32_t new_epoch = seen.epoch + 1;
  const bytes me = to_bytes(encode_controller(controller_info{broker_id, _clock.now_ms(), std::nullopt}));

  // Step 2: claim /controller and bump the epoch atomically. After a connection loss the same
  // transaction is retried: if the first attempt was applied, the retry fails with node_exists /
  // bad_version and step 3 recognises our own claim.
  result<std::vector<op_result>> r = unexpected(zk_errc::connection_loss);
  for (int attempt = 0; attempt < 20; ++attempt) {
    std::vector<op> ops;
    ops.push_back(op::create(paths::controller(), me, create_mode::ephemeral));
    ops.push_back(op::set(paths::controller_epoch(), to_bytes(encode_controller_epoch(new_epoch)), seen.epoch_zk_version));
    r = co_await _s.multi(std::move(ops));
    if (r || !is_connection_error(r.error()) || r.error() == zk_errc::session_expired) break;
    co_await sleep_ms(250);
  }
  if (r) co_return R(controller_claim{new_epoch, (*r)[1].node_stat->version});
  if (r.error() != zk_errc::node_exists && r.error() != zk_errc::bad_version) co_return unexpected(r.error());

  // Step 3: someone else won, unless the winner is us (a retried, already-applied transaction).
  auto ctrl = co_await _s.get(paths::controller());
  if (!ctrl) {
    if (ctrl.error() == zk_errc::no_node) co_return R();
    co_return unexpected(ctrl.error());
  }
  auto info = decode_controller(text_of(ctrl->first));
  if (!info || info->broker_id != broker_id || ctrl->second.ephemeral_owner != _s.session_id()) co_return R();
  auto epoch = co_await get_controller_epoch();
  if (!epoch) co_return unexpected(epoch.error());
  if (*epoch && (*epoch)->epoch == new_epoch) co_return R(**epoch);
  co_return R();
}

asio::awaitable<result<void>> kafka_zk::resign_controller(controller_claim claim) {
  std::vector<op> ops;
  ops.push_back(op::remove(paths::controller()));
  auto r = co_await fenced_multi(claim, std::move(ops));
  if (!r && r.error() != zk_errc::no_node) co_return unexpected(r.error());
  co_return result<void>{};
}

asio::awaitable<result<std::vector<op_result>>> kafka_zk::fenced_multi(controller_claim claim, std::vector<op> ops) {
  ops.insert(ops.begin(), op::check(paths::controller_epoch(), claim.epoch_zk_version));
  auto r = co_await _s.multi_detailed(std::move(ops));
  if (!r) co_return r;
  auto& results = *r;
  if (results[0].error) {
    if (results[0].error == zk_errc::bad_version || results[0].error == zk_errc::no_node) {
      co_return unexpected(zk_errc::controller_moved);
    }
    co_return unexpected(results[0].error);
  }
  for (const auto& o : results) {
    if (o.error && o.error != zk_errc::runtime_inconsistency) co_return unexpected(o.error);
  }
  for (const auto& o : results) {
    if (o.error) co_return unexpected(o.error);
  }
  results.erase(results.begin());
  co_return r;
}

// ---- topics ----

asio::awaitable<result<std::vector<std::string>>> kafka_zk::list_topics() {
  co_return co_await children_or_empty(_s, paths::brokers_topics());
}

asio::awaitable<result<std::optional<versioned<topic_assignment>>>> kafka_zk::get_topic_assignment(std::string topic) {
  using R = std::optional<versioned<topic_assignment>>;
  auto got = co_await _s.get(paths::topic(topic));
  if (!got) {
    if (got.error() == zk_errc::no_node) co_return R();
    co_return unexpected(got.error());
  }
  auto a = decode_topic_assignment(text_of(got->first));
  if (!a) co_return unexpected(zk_errc::bad_data);
  co_return R(versioned<topic_assignment>{std::move(*a), got->second.version});
}

asio::awaitable<result<void>> kafka_zk::create_topic(std::string topic, topic_assignment assignment,
                                                     std::map<std::string, std::string> config) {
  auto existing = co_await _s.exists(paths::topic(topic));
  if (!existing) co_return unexpected(existing.error());
  if (*existing) co_return unexpected(zk_errc::node_exists);
  auto cfg = co_await set_or_create(_s, paths::topic_config(topic), to_bytes(encode_entity_config(config)));
  if (!cfg) co_return cfg;
  co_return co_await _s.create_recursive(paths::topic(topic), to_bytes(encode_topic_assignment(assignment)));
}

asio::awaitable<result<int32_t>> kafka_zk::set_topic_assignment(std::string topic, topic_assignment assignment,
                                                                std::optional<controller_claim> fence,
                                                                int32_t expected_version) {
  bytes data = to_bytes(encode_topic_assignment(assignment));
  if (!fence) {
    auto r = co_await _s.set(paths::topic(topic), std::move(data), expected_version);
    if (!r) co_return unexpected(r.error());
    co_return r->version;
  }
  std::vector<op> ops;
  ops.push_back(op::set(paths::topic(topic), std::move(data), expected_version));
  auto r = co_await fenced_multi(*fence, std::move(ops));
  if (!r) co_return unexpected(r.error());
  co_return (*r)[0].node_stat->version;
}

// ---- partition state ----

asio::awaitable<result<std::optional<versioned<partition_state>>>> kafka_zk::get_partition_state(std::string topic,
                                                                                               int32_t partition) {
  using R = std::optional<versioned<partition_state>>;
  auto got = co_await _s.get(paths::partition_state(topic, partition));
  if (!got) {
    if (got.error() == zk_errc::no_node) co_return R();
    co_return unexpected(got.error());
  }
  auto s = decode_partition_state(text_of(got->first));
  if (!s) co_return unexpected(zk_errc::bad_data);
  co_return R(versioned<partition_state>{std::move(*s), got->second.version});
}

asio::awaitable<result<int32_t>> kafka_zk::create_partition_state(controller_claim claim, std::string topic,
                                                                  int32_t partition, partition_state state) {
  for (auto parent : {paths::topic_partitions(topic), paths::partition(topic, partition)}) {
    std::vector<op> ops;
    ops.push_back(op::create(std::move(parent), std::nullopt));
    auto r = co_await fenced_multi(claim, std::move(ops));
    if (!r && r.error() != zk_errc::node_exists) co_return unexpected(r.error());
  }
  std::vector<op> ops;
  ops.push_back(op::create(paths::partition_state(topic, partition), to_bytes(encode_partition_state(state))));
  auto r = co_await fenced_multi(claim, std::move(ops));
  if (!r) co_return unexpected(r.error());
  co_return 0;
}

asio::awaitable<result<int32_t>> kafka_zk::update_partition_state(controller_claim claim, std::string topic,
                                                                  int32_t partition, partition_state state,
                                                                  int32_t expected_zk_version) {
  std::vector<op> ops;
  ops.push_back(op::set(paths::partition_state(topic, partition), to_bytes(encode_partition_state(state)),
                        expected_zk_version));
  auto r = co_await fenced_multi(claim, std::move(ops));
  if (!r) co_return unexpected(r.error());
  co_return (*r)[0].node_stat->version;
}

asio::awaitable<result<int32_t>> kafka_zk::update_partition_state_as_leader(std::string topic, int32_t partition,
                                                                            partition_state state,
                                                                            int32_t expected_zk_version) {
  std::string path = paths::partition_state(topic, partition);
  bytes data = to_bytes(encode_partition_state(state));
  auto st = co_await _s.set(std::move(path), std::move(data), expected_zk_version);
  if (!st) co_return unexpected(st.error());
  co_return st->version;
}

// ---- producer ids ----

asio::awaitable<result<producer_id_block>> kafka_zk::claim_producer_id_block(int32_t broker_id) {
  const std::string path = paths::latest_producer_id_block();
  for (;;) {
    auto got = co_await _s.get(path);
    std::optional<int32_t> version;  // nullopt: the znode does not exist
    producer_id_block next{broker_id, 0, producer_id_block_size - 1};
    if (got) {
      version = got->second.version;
      const std::string_view text = text_of(got->first);
      if (!text.empty()) {
        auto last = decode_producer_id_block(text);
        if (!last || last->block_end < 0 ||
            last->block_end > std::numeric_limits<int64_t>::max() - producer_id_block_size) {
          co_return unexpected(make_error_code(zk_errc::bad_data));
        }
        next.block_start = last->block_end + 1;
        next.block_end = last->block_end + producer_id_block_size;
      }
    } else if (got.error() != zk_errc::no_node) {
      co_return unexpected(got.error());
    }
    bytes data = to_bytes(encode_producer_id_block(next));
    if (version) {
      auto written = co_await _s.set(path, std::move(data), *version);
      if (written) co_return next;
      if (written.error() != zk_errc::bad_version) co_return unexpected(written.error());
    } else {
      auto created = co_await _s.create(path, std::move(data));
      if (created) co_return next;
      if (created.error() != zk_errc::node_exists) co_return unexpected(created.error());
    }
    // Another broker claimed a block meanwhile: read its claim and take the one after it.
  }
}

// ---- brokers ----

asio::awaitable<result<std::vector<int32_t>>> kafka_zk::list_broker_ids() {
  auto kids = co_await children_or_empty(_s, paths::brokers_ids());
  if (!kids) co_return unexpected(kids.error());
  std::vector<int32_t> ids;
  for (const auto& k : *kids) {
    if (auto id = parse_id(k)) ids.push_back(*id);
  }
  std::sort(ids.begin(), ids.end());
  co_return ids;
}

asio::awaitable<result<std::optional<registered_broker>>> kafka_zk::get_broker(int32_t id) {
  using R = std::optional<registered_broker>;
  auto got = co_await _s.get(paths::broker(id));
  if (!got) {
    if (got.error() == zk_errc::no_node) co_return R();
    co_return unexpected(got.error());
  }
  auto reg = decode_broker_registration(id, text_of(got->first));
  if (!reg) co_return unexpected(zk_errc::bad_data);
  co_return R(registered_broker{std::move(*reg), got->second.czxid});
}

// ---- deletion ----

asio::awaitable<result<void>> kafka_zk::mark_topic_for_deletion(std::string topic) {
  co_return co_await _s.create_recursive(paths::delete_topic(topic), std::nullopt);
}

asio::awaitable<result<std::vector<std::string>>> kafka_zk::list_topics_marked_for_deletion() {
  co_return co_await children_or_empty(_s, paths::admin_delete_topics());
}

namespace {

// Depth-first fenced delete. Missing nodes are fine.
asio::awaitable<result<void>> fenced_remove_recursive(kafka_zk& kz, controller_claim claim, std::string path) {
  auto kids = co_await kz.zk().children(path);
  if (!kids) {
    if (kids.error() == zk_errc::no_node) co_return result<void>{};
    co_return unexpected(kids.error());
  }
  for (const auto& k : *kids) {
    std::string child = path + "/" + k;
    auto r = co_await fenced_remove_recursive(kz, claim, std::move(child));
    if (!r) co_return r;
  }
  std::vector<op> ops;
  ops.push_back(op::remove(path));
  auto r = co_await kz.fenced_multi(claim, std::move(ops));
  if (!r && r.error() != zk_errc::no_node) co_return unexpected(r.error());
  co_return result<void>{};
}

} // namespace

asio::awaitable<result<void>> kafka_zk::delete_topic_znodes(controller_claim claim, std::string topic) {
  auto r = co_await fenced_remove_recursive(*this, claim, paths::topic(topic));
  if (!r) co_return r;
  for (auto path : {paths::topic_config(topic), paths::delete_topic(topic)}) {
    std::vector<op> ops;
    ops.push_back(op::remove(std::move(path)));
    auto d = co_await fenced_multi(claim, std::move(ops));
    if (!d && d.error() != zk_errc::no_node) co_return unexpected(d.error());
  }
  co_return result<void>{};
}

asio::awaitable<result<void>> kafka_zk::delete_topic_deletion_markers(controller_claim claim,
                                                                      std::vector<std::string> topics) {
  for (const auto& t : topics) {
    std::vector<op> ops;
    ops.push_back(op::remove(paths::delete_topic(t)));
    auto r = co_await fenced_multi(claim, std::move(ops));
    if (!r && r.error() != zk_errc::no_node) co_return unexpected(r.error());
  }
  co_return result<void>{};
}

// ---- ISR change notifications ----

asio::awaitable<result<std::string>> kafka_zk::create_isr_change_notification(std::vector<topic_partition> partitions) {
  auto data = to_bytes(encode_isr_change_notification(partitions));
  std::string prefix = paths::isr_change_prefix();
  auto r = co_await _s.create(prefix, data, create_mode::persistent_sequential);
  if (r || r.error() != zk_errc::no_node) co_return r;
  // The parent is a base path, but a chroot created by hand may lack it.
  std::string parent_path = paths::isr_change_notification();
  std::optional<bytes> no_data;
  auto parent = co_await _s.create_recursive(std::move(parent_path), std::move(no_data));
  if (!parent && parent.error() != zk_errc::node_exists) co_return unexpected(parent.error());
  co_return co_await _s.create(std::move(prefix), std::move(data), create_mode::persistent_sequential);
}

asio::awaitable<result<std::vector<std::string>>> kafka_zk::list_isr_change_notifications(watcher w) {
  std::string parent = paths::isr_change_notification();
  auto names = co_await _s.children(std::move(parent), std::move(w));
  if (!names) {
    if (names.error() == zk_errc::no_node) co_return std::vector<std::string>{};
    co_return unexpected(names.error());
  }
  std::vector<std::pair<int64_t, std::string>> seqs;
  for (auto& n : *names) {
    if (auto seq = paths::sequence_of(n, "isr_change_")) seqs.emplace_back(*seq, std::move(n));
  }
  std::sort(seqs.begin(), seqs.end());
  std::vector<std::string> out;
  for (auto& [seq, n] : seqs) out.push_back(std::move(n));
  co_return out;
}

asio::awaitable<result<std::optional<std::vector<topic_partition>>>> kafka_zk::get_isr_change_notification(
    std::string name) {
  using R = std::optional<std::vector<topic_partition>>;
  std::string path = paths::isr_change_notification() + "/" + name;
  auto got = co_await _s.get(std::move(path));
  if (!got) {
    if (got.error() == zk_errc::no_node) co_return R();
    co_return unexpected(got.error());
  }
  auto parts = decode_isr_change_notification(text_of(got->first));
  if (!parts) co_return unexpected(zk_errc::bad_data);
  co_return R(std::move(*parts));
}

asio::awaitable<result<void>> kafka_zk::delete_isr_change_notifications(controller_claim claim,
                                                                        std::vector<std::string> names) {
  for (const auto& n : names) {
    std::vector<op> ops;
    ops.push_back(op::remove(paths::isr_change_notification() + "/" + n));
    auto r = co_await fenced_multi(claim, std::move(ops));
    if (!r && r.error() != zk_errc::no_node) co_return unexpected(r.error());
  }
  co_return result<void>{};
}

// ---- admin requests ----

asio::awaitable<result<std::optional<versioned<std::map<topic_partition, std::vector<int32_t>>>>>>
kafka_zk::get_partition_reassignment() {
  using V = versioned<std::map<topic_partition, std::vector<int32_t>>>;
  using R = std::optional<V>;
  std::string path = paths::reassign_partitions();
  auto got = co_await _s.get(std::move(path));
  if (!got) {
    if (got.error() == zk_errc::no_node) co_return R();
    co_return unexpected(got.error());
  }
  auto r = decode_reassignment(text_of(got->first));
  if (!r) co_return unexpected(zk_errc::bad_data);
  co_return R(V{std::move(*r), got->second.version});
}

asio::awaitable<result<void>> kafka_zk::set_partition_reassignment(
    controller_claim claim, std::map<topic_partition, std::vector<int32_t>> remaining, int32_t expected_version) {
  std::vector<op> ops;
  if (remaining.empty()) {
    ops.push_back(op::remove(paths::reassign_partitions(), expected_version));
  } else {
    ops.push_back(op::set(paths::reassign_partitions(), to_bytes(encode_reassignment(remaining)), expected_version));
  }
  auto r = co_await fenced_multi(claim, std::move(ops));
  if (!r && r.error() != zk_errc::no_node) co_return unexpected(r.error());
  co_return result<void>{};
}

asio::awaitable<result<std::optional<std::vector<topic_partition>>>> kafka_zk::get_preferred_replica_election() {
  using R = std::optional<std::vector<topic_partition>>;
  std::string path = paths::preferred_replica_election();
  auto got = co_await _s.get(std::move(path));
  if (!got) {
    if (got.error() == zk_errc::no_node) co_return R();
    co_return unexpected(got.error());
  }
  auto parts = decode_preferred_replica_election(text_of(got->first));
  if (!parts) co_return unexpected(zk_errc::bad_data);
  co_return R(std::move(*parts));
}

asio::awaitable<result<void>> kafka_zk::delete_preferred_replica_election(controller_claim claim) {
  std::vector<op> ops;
  ops.push_back(op::remove(paths::preferred_replica_election()));
  auto r = co_await fenced_multi(claim, std::move(ops));
  if (!r && r.error() != zk_errc::no_node) co_return unexpected(r.error());
  co_return result<void>{};
}

// ---- dynamic config ----

asio::awaitable<result<std::map<std::string, std::string>>> kafka_zk::get_entity_config(std::string type,
                                                                                        std::string name) {
  using R = std::map<std::string, std::string>;
  auto got = co_await _s.get(paths::entity_config(type, name));
  if (!got) {
    if (got.error() == zk_errc::no_node) co_return R{};
    co_return unexpected(got.error());
  }
  if (!got->first) co_return R{};
  auto cfg = decode_entity_config(text_of(got->first));
  if (!cfg) co_return unexpected(zk_errc::bad_data);
  co_return std::move(*cfg);
}

asio::awaitable<result<void>> kafka_zk::set_entity_config(std::string type, std::string name,
                                                          std::map<std::string, std::string> config) {
  auto r = co_await set_or_create(_s, paths::entity_config(type, name), to_bytes(encode_entity_config(config)));
  if (!r) co_return r;
  co_return co_await _s.create_recursive(paths::config_change_prefix(), to_bytes(encode_config_change(type + "/" + name)),
                                         create_mode::persistent_sequential);
}

// ---- config change notifications ----

asio::awaitable<result<std::vector<kafka_zk::config_change_node>>> kafka_zk::list_config_changes(watcher w) {
  std::vector<config_change_node> out;
  auto names = co_await _s.children(paths::config_changes(), std::move(w));
  if (!names) {
    if (names.error() == zk_errc::no_node) co_return out;
    co_return unexpected(names.error());
  }
  for (auto& n : *names) {
    auto seq = paths::sequence_of(n, "config_change_");
    if (seq) out.push_back({std::move(n), *seq});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.sequence < b.sequence; });
  co_return out;
}

asio::awaitable<result<std::optional<kafka_zk::config_change>>> kafka_zk::get_config_change(std::string name) {
  std::string path = paths::config_changes() + "/" + name;
  auto got = co_await _s.get(std::move(path));
  if (!got) {
    if (got.error() == zk_errc::no_node) co_return std::optional<config_change>{};
    co_return unexpected(got.error());
  }
  auto entity = decode_config_change(text_of(got->first));
  if (!entity) co_return unexpected(zk_errc::bad_data);
  config_change c;
  c.entity_path = std::move(*entity);
  c.ctime_ms = got->second.ctime;
  co_return std::optional<config_change>(std::move(c));
}

asio::awaitable<result<void>> kafka_zk::delete_config_change(std::string name) {
  std::string path = paths::config_changes() + "/" + name;
  auto r = co_await _s.remove(std::move(path), -1);
  if (!r && r.error() != zk_errc::no_node) co_return r;
  co_return result<void>{};
}

} // namespace gregor::zk
