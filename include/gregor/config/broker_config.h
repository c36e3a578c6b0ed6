#pragma once
// broker_config: the broker's static configuration, typed and validated.
//
// Built once at startup from server.properties or YAML plus `--override key=value` arguments
// (overrides win; within a file the last occurrence of a key wins). Every key must be known to
// the registry (config_def.h) and every value must pass Kafka's type and validator checks;
// otherwise construction throws config_error naming the key (and value).
//
// Derived settings follow Kafka:
//   * `log.retention.ms` beats `.minutes` beats `.hours` (negative result = -1, unlimited);
//     `log.roll.ms` beats `log.roll.hours`, `log.roll.jitter.ms` beats `.hours`.
//   * `log.dirs` beats `log.dir`.
//   * `listeners` unset => PLAINTEXT://<host.name>:<port> (legacy keys); `advertised.listeners`
//     unset => PLAINTEXT://<advertised.host.name|host.name>:<advertised.port|port> when either
//     legacy advertised key is set, else the listeners.
//   * `zookeeper.connection.timeout.ms` unset => `zookeeper.session.timeout.ms`.
//   * `log.flush.interval.ms` unset => `log.flush.scheduler.interval.ms`.
//
// Immutable after construction; const access is thread-safe. Getters are cheap (indexed), but
// callers on hot paths should still copy what they need at startup. Dynamic broker configs
// (/config/brokers/...) are layered by their owner, not here.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "gregor/config/config_error.h"
#include "gregor/config/listener.h"

namespace gregor::config {

class broker_config {
public:
  // One row of DescribeConfigs for the broker resource.
  struct entry {
    std::string name;
    std::optional<std::string> value;  // nullopt = null: unset without default, or a password
    bool is_default = true;            // source == DEFAULT_CONFIG
    bool sensitive = false;            // PASSWORD keys
    bool read_only = true;             // not dynamically updatable in Kafka
    std::string source;                // "STATIC_BROKER_CONFIG" | "DEFAULT_CONFIG"
  };

  // Reads `file` (.yaml/.yml as YAML, anything else as Java properties), applies `overrides`
  // ("key=value" each) on top, validates. Throws config_error (also for an unreadable file).
  static broker_config load(const std::filesystem::path& file,
                            const std::vector<std::string>& overrides);
  // Validates an in-memory key/value set (tests, tools). Throws config_error.
  static broker_config from_map(const std::map<std::string, std::string>& values);
  // As from_map, for ordered pairs where a later duplicate wins.
  static broker_config from_pairs(const std::vector<std::pair<std::string, std::string>>& values);

  // ---- generic access ----
  // Effective value of a registry key as canonical text; nullopt for null or unknown keys.
  // Passwords are returned in clear (only describe() masks them).
  std::optional<std::string> get(const std::string& key) const;
  // True when the key was given explicitly (file or override).
  bool is_set(const std::string& key) const;
  // Every registry key in name order (Kafka's DescribeConfigs for a broker).
  std::vector<entry> describe() const;
  // listener.name.<listener>.<key> settings, kept verbatim (accepted, not acted on yet).
  const std::map<std::string, std::string>& listener_prefixed() const { return _listener_prefixed; }

  // ---- identity, ZooKeeper ----
  int32_t broker_id() const;  // -1 = take from meta.properties or generate
  bool broker_id_generation_enable() const;
  int32_t reserved_broker_max_id() const;
  std::optional<std::string> broker_rack() const;
  const std::string& zookeeper_connect() const;  // required
  int32_t zookeeper_session_timeout_ms() const;
  int32_t zookeeper_connection_timeout_ms() const;
  int32_t zookeeper_max_in_flight_requests() const;
  bool zookeeper_set_acl() const;
  std::string inter_broker_protocol_version() const;

  // ---- listeners ----
  const std::vector<listener>& listeners() const { return _listeners; }
  // Empty host = the broker's canonical host name; port 0 = the bound port (both filled in by
  // the registration code, as Kafka does).
  const std::vector<listener>& advertised_listeners() const { return _advertised; }
  const std::string& inter_broker_listener_name() const { return _inter_broker_listener; }
  std::optional<std::string> control_plane_listener_name() const;
  const std::map<std::string, std::string>& listener_security_protocol_map() const { return _protocol_map; }

  // ---- threads, sockets, request limits ----
  int32_t num_network_threads() const;
  int32_t num_io_threads() const;
  int32_t background_threads() const;
  int32_t queued_max_requests() const;
  int64_t queued_max_request_bytes() const;
  int32_t socket_request_max_bytes() const;
  int32_t socket_send_buffer_bytes() const;     // -1 = OS default
  int32_t socket_receive_buffer_bytes() const;  // -1 = OS default
  int32_t socket_listen_backlog_size() const;
  int32_t max_connections_per_ip() const;
  int32_t max_connections() const;
  int64_t connections_max_idle_ms() const;
  int32_t message_max_bytes() const;
  int32_t fetch_max_bytes() const;
  int32_t request_timeout_ms() const;

  // ---- logs ----
  const std::vector<std::filesystem::path>& log_dirs() const { return _log_dirs; }
  int32_t num_recovery_threads_per_data_dir() const;
  int32_t log_segment_bytes() const;
  int64_t log_roll_ms() const;
  int64_t log_roll_jitter_ms() const;
  int64_t log_retention_ms() const;  // -1 = unlimited
  int64_t log_retention_bytes() const;
  int64_t log_retention_check_interval_ms() const;
  std::vector<std::string> log_cleanup_policy() const;  // subset of {"delete","compact"}
  int64_t log_segment_delete_delay_ms() const;
  int32_t log_index_size_max_bytes() const;
  int32_t log_index_interval_bytes() const;
  int64_t log_flush_interval_messages() const;
  int64_t log_flush_interval_ms() const;
  int64_t log_flush_scheduler_interval_ms() const;
  int32_t log_flush_offset_checkpoint_interval_ms() const;
  int32_t log_flush_start_offset_checkpoint_interval_ms() const;
  bool log_preallocate() const;
  std::string log_message_timestamp_type() const;  // "CreateTime" | "LogAppendTime"
  int64_t log_message_timestamp_difference_max_ms() const;
  bool log_message_downconversion_enable() const;
  std::string compression_type() const;  // producer|uncompressed|gzip|snappy|lz4|zstd

  // ---- log cleaner ----
  bool log_cleaner_enable() const;
  int32_t log_cleaner_threads() const;
  int64_t log_cleaner_dedupe_buffer_size() const;
  int32_t log_cleaner_io_buffer_size() const;
  double log_cleaner_io_buffer_load_factor() const;
  double log_cleaner_io_max_bytes_per_second() const;
  int64_t log_cleaner_backoff_ms() const;
  double log_cleaner_min_cleanable_ratio() const;
  int64_t log_cleaner_delete_retention_ms() const;
  int64_t log_cleaner_min_compaction_lag_ms() const;
  int64_t log_cleaner_max_compaction_lag_ms() const;

  // ---- topics, replication, leadership ----
  int32_t num_partitions() const;
  int32_t default_replication_factor() const;
  bool auto_create_topics_enable() const;
  bool delete_topic_enable() const;
  int32_t min_insync_replicas() const;
  bool unclean_leader_election_enable() const;
  int64_t replica_lag_time_max_ms() const;
  int32_t num_replica_fetchers() const;
  int32_t replica_fetch_max_bytes() const;
  int32_t replica_fetch_response_max_bytes() const;
  int32_t replica_fetch_wait_max_ms() const;
  int32_t replica_fetch_min_bytes() const;
  int32_t replica_fetch_backoff_ms() const;
  int32_t replica_socket_timeout_ms() const;
  int32_t replica_socket_receive_buffer_bytes() const;
  int64_t replica_high_watermark_checkpoint_interval_ms() const;
  int32_t controller_socket_timeout_ms() const;
  bool auto_leader_rebalance_enable() const;
  int32_t leader_imbalance_per_broker_percentage() const;
  int64_t leader_imbalance_check_interval_seconds() const;
  bool controlled_shutdown_enable() const;
  int32_t controlled_shutdown_max_retries() const;
  int64_t controlled_shutdown_retry_backoff_ms() const;

  // ---- group coordinator, offsets ----
  int16_t offsets_topic_replication_factor() const;
  int32_t offsets_topic_num_partitions() const;
  int32_t offsets_topic_segment_bytes() const;
  int32_t offsets_topic_compression_codec() const;  // 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd
  int32_t offsets_retention_minutes() const;
  int64_t offsets_retention_check_interval_ms() const;
  int32_t offsets_commit_timeout_ms() const;
  int16_t offsets_commit_required_acks() const;
  int32_t offset_metadata_max_bytes() const;
  int32_t offsets_load_buffer_size() const;
  int32_t group_initial_rebalance_delay_ms() const;
  int32_t group_min_session_timeout_ms() const;
  int32_t group_max_session_timeout_ms() const;
  int32_t group_max_size() const;

  // ---- transactions, producer ids ----
  int16_t transaction_state_log_replication_factor() const;
  int32_t transaction_state_log_min_isr() const;
  int32_t transaction_state_log_num_partitions() const;
  int32_t transaction_state_log_segment_bytes() const;
  int32_t transaction_state_log_load_buffer_size() const;
  int32_t transaction_max_timeout_ms() const;
  int32_t transactional_id_expiration_ms() const;
  int32_t transaction_abort_timed_out_transaction_cleanup_interval_ms() const;
  int32_t transaction_remove_expired_transaction_cleanup_interval_ms() const;
  int32_t producer_id_expiration_ms() const;
  int32_t producer_id_expiration_check_interval_ms() const;

  // A parsed value: bool, integer (SHORT/INT/LONG), double, string (STRING/PASSWORD/CLASS),
  // list, or null. Public only so that the implementation's helpers can name it.
  using value = std::variant<std::monostate, bool, int64_t, double, std::string, std::vector<std::string>>;

private:
  struct slot {
    value parsed;                     // Kafka default when not set
    std::optional<std::string> text;  // canonical text of `parsed`
    bool is_set = false;
  };

  broker_config() = default;
  void derive();  // listeners, log dirs, trios, cross-key checks; throws config_error

  const slot& at(std::string_view key) const;
  int64_t integer(std::size_t index) const;
  bool boolean(std::size_t index) const;
  double real(std::size_t index) const;
  const std::string& text(std::size_t index) const;

  std::vector<slot> _slots;  // parallel to broker_config_defs()
  std::map<std::string, std::string> _listener_prefixed;
  std::map<std::string, std::string> _protocol_map;
  std::vector<listener> _listeners;
  std::vector<listener> _advertised;
  std::string _inter_broker_listener;
  std::vector<std::filesystem::path> _log_dirs;
  int64_t _log_roll_ms = 0;
  int64_t _log_roll_jitter_ms = 0;
  int64_t _log_retention_ms = 0;
};

}  // namespace gregor::config
