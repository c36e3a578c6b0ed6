// /consumers/<group>/offsets/<topic>/<partition>: the offsets of OffsetCommit/OffsetFetch v0.

#include "gregor/zk/consumer_offsets_zk.h"

#include <charconv>

#include "gregor/zk/znodes.h"

namespace gregor::zk {

std::string encode_consumer_offset(int64_t offset) { return std::to_string(offset); }

std::optional<int64_t> decode_consumer_offset(std::string_view text) {
  // Java's Long.parseLong: an optional '+' or '-', then at least one decimal digit.
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
    if (!text.empty() && text.front() == '-') return std::nullopt;
  }
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

asio::awaitable<result<void>> set_consumer_offset(session& s, std::string group, topic_partition tp, int64_t offset) {
  const std::string path = paths::consumer_offset(group, tp.topic, tp.partition);
  const std::string text = encode_consumer_offset(offset);
  const bytes data(text.begin(), text.end());
  // Kafka's setOrCreateConsumerOffset: setData, and on NONODE create with parents. A create that
  // loses a race against another committer is followed by another setData.
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::string set_path = path;
    bytes set_data = data;
    auto set = co_await s.set(std::move(set_path), std::move(set_data), -1);
    if (set) co_return result<void>{};
    if (set.error() != zk_errc::no_node) co_return unexpected(set.error());
    std::string create_path = path;
    std::optional<bytes> create_data(data);
    auto made = co_await s.create_recursive(std::move(create_path), std::move(create_data));
    if (made) co_return result<void>{};
    if (made.error() != zk_errc::node_exists) co_return made;
  }
  co_return unexpected(zk_errc::bad_version);
}

asio::awaitable<result<std::optional<int64_t>>> get_consumer_offset(session& s, std::string group, topic_partition tp) {
  std::string path = paths::consumer_offset(group, tp.topic, tp.partition);
  auto got = co_await s.get(std::move(path));
  if (!got) {
    if (got.error() == zk_errc::no_node) co_return std::optional<int64_t>();
    co_return unexpected(got.error());
  }
  const auto& data = got->first;
  if (!data) co_return std::optional<int64_t>();
  auto offset = decode_consumer_offset(as_string_view(bytes_view(*data)));
  if (!offset) co_return unexpected(make_error_code(zk_errc::bad_data));
  co_return offset;
}

} // namespace gregor::zk
