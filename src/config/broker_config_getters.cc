// Typed getters. Each resolves its registry position once (function-local static) and then reads
// the parsed value directly; the variant alternative always matches the key's type because
// from_pairs() stored a parse_value() result or the built-in default for every slot.

#include <cctype>

#include "broker_config_index.h"
#include "gregor/config/broker_config.h"

namespace gregor::config {

const std::string& broker_config::zookeeper_connect() const {
  static const std::size_t i = broker_config_index("zookeeper.connect");
  return text(i);
}

int32_t broker_config::zookeeper_connection_timeout_ms() const {
  static const std::size_t i = broker_config_index("zookeeper.connection.timeout.ms");
  if (_slots[i].is_set) return static_cast<int32_t>(integer(i));
  return zookeeper_session_timeout_ms();
}

std::optional<std::string> broker_config::broker_rack() const {
  static const std::size_t i = broker_config_index("broker.rack");
  return _slots[i].text;
}

std::string broker_config::inter_broker_protocol_version() const {
  static const std::size_t i = broker_config_index("inter.broker.protocol.version");
  return text(i);
}

std::optional<std::string> broker_config::control_plane_listener_name() const {
  static const std::size_t i = broker_config_index("control.plane.listener.name");
  if (!_slots[i].text) return std::nullopt;
  std::string name = *_slots[i].text;
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

int64_t broker_config::log_roll_ms() const { return _log_roll_ms; }
int64_t broker_config::log_roll_jitter_ms() const { return _log_roll_jitter_ms; }
int64_t broker_config::log_retention_ms() const { return _log_retention_ms; }

std::vector<std::string> broker_config::log_cleanup_policy() const {
  static const std::size_t i = broker_config_index("log.cleanup.policy");
  return std::get<std::vector<std::string>>(_slots[i].parsed);
}

int64_t broker_config::log_flush_interval_ms() const {
  static const std::size_t i = broker_config_index("log.flush.interval.ms");
  if (_slots[i].is_set) return integer(i);
  return log_flush_scheduler_interval_ms();
}

std::string broker_config::log_message_timestamp_type() const {
  static const std::size_t i = broker_config_index("log.message.timestamp.type");
  return text(i);
}

std::string broker_config::compression_type() const {
  static const std::size_t i = broker_config_index("compression.type");
  return text(i);
}

int32_t broker_config::broker_id() const {
  static const std::size_t i = broker_config_index("broker.id");
  return static_cast<int32_t>(integer(i));
}

bool broker_config::broker_id_generation_enable() const {
  static const std::size_t i = broker_config_index("broker.id.generation.enable");
  return boolean(i);
}

int32_t broker_config::reserved_broker_max_id() const {
  static const std::size_t i = broker_config_index("reserved.broker.max.id");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::zookeeper_session_timeout_ms() const {
  static const std::size_t i = broker_config_index("zookeeper.session.timeout.ms");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::zookeeper_max_in_flight_requests() const {
  static const std::size_t i = broker_config_index("zookeeper.max.in.flight.requests");
  return static_cast<int32_t>(integer(i));
}

bool broker_config::zookeeper_set_acl() const {
  static const std::size_t i = broker_config_index("zookeeper.set.acl");
  return boolean(i);
}

int32_t broker_config::num_network_threads() const {
  static const std::size_t i = broker_config_index("num.network.threads");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::num_io_threads() const {
  static const std::size_t i = broker_config_index("num.io.threads");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::background_threads() const {
  static const std::size_t i = broker_config_index("background.threads");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::queued_max_requests() const {
  static const std::size_t i = broker_config_index("queued.max.requests");
  return static_cast<int32_t>(integer(i));
}

int64_t broker_config::queued_max_request_bytes() const {
  static const std::size_t i = broker_config_index("queued.max.request.bytes");
  return static_cast<int64_t>(integer(i));
}

int32_t broker_config::socket_request_max_bytes() const {
  static const std::size_t i = broker_config_index("socket.request.max.bytes");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::socket_send_buffer_bytes() const {
  static const std::size_t i = broker_config_index("socket.send.buffer.bytes");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::socket_receive_buffer_bytes() const {
  static const std::size_t i = broker_config_index("socket.receive.buffer.bytes");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::socket_listen_backlog_size() const {
  static const std::size_t i = broker_config_index("socket.listen.backlog.size");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::max_connections_per_ip() const {
  static const std::size_t i = broker_config_index("max.connections.per.ip");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::max_connections() const {
  static const std::size_t i = broker_config_index("max.connections");
  return static_cast<int32_t>(integer(i));
}

int64_t broker_config::connections_max_idle_ms() const {
  static const std::size_t i = broker_config_index("connections.max.idle.ms");
  return static_cast<int64_t>(integer(i));
}

int32_t broker_config::message_max_bytes() const {
  static const std::size_t i = broker_config_index("message.max.bytes");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::fetch_max_bytes() const {
  static const std::size_t i = broker_config_index("fetch.max.bytes");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::request_timeout_ms() const {
  static const std::size_t i = broker_config_index("request.timeout.ms");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::num_recovery_threads_per_data_dir() const {
  static const std::size_t i = broker_config_index("num.recovery.threads.per.data.dir");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::log_segment_bytes() const {
  static const std::size_t i = broker_config_index("log.segment.bytes");
  return static_cast<int32_t>(integer(i));
}

int64_t broker_config::log_retention_bytes() const {
  static const std::size_t i = broker_config_index("log.retention.bytes");
  return static_cast<int64_t>(integer(i));
}

int64_t broker_config::log_retention_check_interval_ms() const {
  static const std::size_t i = broker_config_index("log.retention.check.interval.ms");
  return static_cast<int64_t>(integer(i));
}

int64_t broker_config::log_segment_delete_delay_ms() const {
  static const std::size_t i = broker_config_index("log.segment.delete.delay.ms");
  return static_cast<int64_t>(integer(i));
}

int32_t broker_config::log_index_size_max_bytes() const {
  static const std::size_t i = broker_config_index("log.index.size.max.bytes");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::log_index_interval_bytes() const {
  static const std::size_t i = broker_config_index("log.index.interval.bytes");
  return static_cast<int32_t>(integer(i));
}

int64_t broker_config::log_flush_interval_messages() const {
  static const std::size_t i = broker_config_index("log.flush.interval.messages");
  return static_cast<int64_t>(integer(i));
}

int64_t broker_config::log_flush_scheduler_interval_ms() const {
  static const std::size_t i = broker_config_index("log.flush.scheduler.interval.ms");
  return static_cast<int64_t>(integer(i));
}

int32_t broker_config::log_flush_offset_checkpoint_interval_ms() const {
  static const std::size_t i = broker_config_index("log.flush.offset.checkpoint.interval.ms");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::log_flush_start_offset_checkpoint_interval_ms() const {
  static const std::size_t i = broker_config_index("log.flush.start.offset.checkpoint.interval.ms");
  return static_cast<int32_t>(integer(i));
}

bool broker_config::log_preallocate() const {
  static const std::size_t i = broker_config_index("log.preallocate");
  return boolean(i);
}

int64_t broker_config::log_message_timestamp_difference_max_ms() const {
  static const std::size_t i = broker_config_index("log.message.timestamp.difference.max.ms");
  return static_cast<int64_t>(integer(i));
}

bool broker_config::log_message_downconversion_enable() const {
  static const std::size_t i = broker_config_index("log.message.downconversion.enable");
  return boolean(i);
}

bool broker_config::log_cleaner_enable() const {
  static const std::size_t i = broker_config_index("log.cleaner.enable");
  return boolean(i);
}

int32_t broker_config::log_cleaner_threads() const {
  static const std::size_t i = broker_config_index("log.cleaner.threads");
  return static_cast<int32_t>(integer(i));
}

int64_t broker_config::log_cleaner_dedupe_buffer_size() const {
  static const std::size_t i = broker_config_index("log.cleaner.dedupe.buffer.size");
  return static_cast<int64_t>(integer(i));
}

int32_t broker_config::log_cleaner_io_buffer_size() const {
  static const std::size_t i = broker_config_index("log.cleaner.io.buffer.size");
  return static_cast<int32_t>(integer(i));
}

double broker_config::log_cleaner_io_buffer_load_factor() const {
  static const std::size_t i = broker_config_index("log.cleaner.io.buffer.load.factor");
  return real(i);
}

double broker_config::log_cleaner_io_max_bytes_per_second() const {
  static const std::size_t i = broker_config_index("log.cleaner.io.max.bytes.per.second");
  return real(i);
}

int64_t broker_config::log_cleaner_backoff_ms() const {
  static const std::size_t i = broker_config_index("log.cleaner.backoff.ms");
  return static_cast<int64_t>(integer(i));
}

double broker_config::log_cleaner_min_cleanable_ratio() const {
  static const std::size_t i = broker_config_index("log.cleaner.min.cleanable.ratio");
  return real(i);
}

int64_t broker_config::log_cleaner_delete_retention_ms() const {
  static const std::size_t i = broker_config_index("log.cleaner.delete.retention.ms");
  return static_cast<int64_t>(integer(i));
}

int64_t broker_config::log_cleaner_min_compaction_lag_ms() const {
  static const std::size_t i = broker_config_index("log.cleaner.min.compaction.lag.ms");
  return static_cast<int64_t>(integer(i));
}

int64_t broker_config::log_cleaner_max_compaction_lag_ms() const {
  static const std::size_t i = broker_config_index("log.cleaner.max.compaction.lag.ms");
  return static_cast<int64_t>(integer(i));
}

int32_t broker_config::num_partitions() const {
  static const std::size_t i = broker_config_index("num.partitions");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::default_replication_factor() const {
  static const std::size_t i = broker_config_index("default.replication.factor");
  return static_cast<int32_t>(integer(i));
}

bool broker_config::auto_create_topics_enable() const {
  static const std::size_t i = broker_config_index("auto.create.topics.enable");
  return boolean(i);
}

bool broker_config::delete_topic_enable() const {
  static const std::size_t i = broker_config_index("delete.topic.enable");
  return boolean(i);
}

int32_t broker_config::min_insync_replicas() const {
  static const std::size_t i = broker_config_index("min.insync.replicas");
  return static_cast<int32_t>(integer(i));
}

bool broker_config::unclean_leader_election_enable() const {
  static const std::size_t i = broker_config_index("unclean.leader.election.enable");
  return boolean(i);
}

int64_t broker_config::replica_lag_time_max_ms() const {
  static const std::size_t i = broker_config_index("replica.lag.time.max.ms");
  return static_cast<int64_t>(integer(i));
}

int32_t broker_config::num_replica_fetchers() const {
  static const std::size_t i = broker_config_index("num.replica.fetchers");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::replica_fetch_max_bytes() const {
  static const std::size_t i = broker_config_index("replica.fetch.max.bytes");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::replica_fetch_response_max_bytes() const {
  static const std::size_t i = broker_config_index("replica.fetch.response.max.bytes");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::replica_fetch_wait_max_ms() const {
  static const std::size_t i = broker_config_index("replica.fetch.wait.max.ms");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::replica_fetch_min_bytes() const {
  static const std::size_t i = broker_config_index("replica.fetch.min.bytes");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::replica_fetch_backoff_ms() const {
  static const std::size_t i = broker_config_index("replica.fetch.backoff.ms");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::replica_socket_timeout_ms() const {
  static const std::size_t i = broker_config_index("replica.socket.timeout.ms");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::replica_socket_receive_buffer_bytes() const {
  static const std::size_t i = broker_config_index("replica.socket.receive.buffer.bytes");
  return static_cast<int32_t>(integer(i));
}

int64_t broker_config::replica_high_watermark_checkpoint_interval_ms() const {
  static const std::size_t i = broker_config_index("replica.high.watermark.checkpoint.interval.ms");
  return static_cast<int64_t>(integer(i));
}

int32_t broker_config::controller_socket_timeout_ms() const {
  static const std::size_t i = broker_config_index("controller.socket.timeout.ms");
  return static_cast<int32_t>(integer(i));
}

bool broker_config::auto_leader_rebalance_enable() const {
  static const std::size_t i = broker_config_index("auto.leader.rebalance.enable");
  return boolean(i);
}

int32_t broker_config::leader_imbalance_per_broker_percentage() const {
  static const std::size_t i = broker_config_index("leader.imbalance.per.broker.percentage");
  return static_cast<int32_t>(integer(i));
}

int64_t broker_config::leader_imbalance_check_interval_seconds() const {
  static const std::size_t i = broker_config_index("leader.imbalance.check.interval.seconds");
  return static_cast<int64_t>(integer(i));
}

bool broker_config::controlled_shutdown_enable() const {
  static const std::size_t i = broker_config_index("controlled.shutdown.enable");
  return boolean(i);
}

int32_t broker_config::controlled_shutdown_max_retries() const {
  static const std::size_t i = broker_config_index("controlled.shutdown.max.retries");
  return static_cast<int32_t>(integer(i));
}

int64_t broker_config::controlled_shutdown_retry_backoff_ms() const {
  static const std::size_t i = broker_config_index("controlled.shutdown.retry.backoff.ms");
  return static_cast<int64_t>(integer(i));
}

int16_t broker_config::offsets_topic_replication_factor() const {
  static const std::size_t i = broker_config_index("offsets.topic.replication.factor");
  return static_cast<int16_t>(integer(i));
}

int32_t broker_config::offsets_topic_num_partitions() const {
  static const std::size_t i = broker_config_index("offsets.topic.num.partitions");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::offsets_topic_segment_bytes() const {
  static const std::size_t i = broker_config_index("offsets.topic.segment.bytes");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::offsets_topic_compression_codec() const {
  static const std::size_t i = broker_config_index("offsets.topic.compression.codec");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::offsets_retention_minutes() const {
  static const std::size_t i = broker_config_index("offsets.retention.minutes");
  return static_cast<int32_t>(integer(i));
}

int64_t broker_config::offsets_retention_check_interval_ms() const {
  static const std::size_t i = broker_config_index("offsets.retention.check.interval.ms");
  return static_cast<int64_t>(integer(i));
}

int32_t broker_config::offsets_commit_timeout_ms() const {
  static const std::size_t i = broker_config_index("offsets.commit.timeout.ms");
  return static_cast<int32_t>(integer(i));
}

int16_t broker_config::offsets_commit_required_acks() const {
  static const std::size_t i = broker_config_index("offsets.commit.required.acks");
  return static_cast<int16_t>(integer(i));
}

int32_t broker_config::offset_metadata_max_bytes() const {
  static const std::size_t i = broker_config_index("offset.metadata.max.bytes");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::offsets_load_buffer_size() const {
  static const std::size_t i = broker_config_index("offsets.load.buffer.size");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::group_initial_rebalance_delay_ms() const {
  static const std::size_t i = broker_config_index("group.initial.rebalance.delay.ms");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::group_min_session_timeout_ms() const {
  static const std::size_t i = broker_config_index("group.min.session.timeout.ms");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::group_max_session_timeout_ms() const {
  static const std::size_t i = broker_config_index("group.max.session.timeout.ms");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::group_max_size() const {
  static const std::size_t i = broker_config_index("group.max.size");
  return static_cast<int32_t>(integer(i));
}

int16_t broker_config::transaction_state_log_replication_factor() const {
  static const std::size_t i = broker_config_index("transaction.state.log.replication.factor");
  return static_cast<int16_t>(integer(i));
}

int32_t broker_config::transaction_state_log_min_isr() const {
  static const std::size_t i = broker_config_index("transaction.state.log.min.isr");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::transaction_state_log_num_partitions() const {
  static const std::size_t i = broker_config_index("transaction.state.log.num.partitions");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::transaction_state_log_segment_bytes() const {
  static const std::size_t i = broker_config_index("transaction.state.log.segment.bytes");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::transaction_state_log_load_buffer_size() const {
  static const std::size_t i = broker_config_index("transaction.state.log.load.buffer.size");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::transaction_max_timeout_ms() const {
  static const std::size_t i = broker_config_index("transaction.max.timeout.ms");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::transactional_id_expiration_ms() const {
  static const std::size_t i = broker_config_index("transactional.id.expiration.ms");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::transaction_abort_timed_out_transaction_cleanup_interval_ms() const {
  static const std::size_t i = broker_config_index("transaction.abort.timed.out.transaction.cleanup.interval.ms");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::transaction_remove_expired_transaction_cleanup_interval_ms() const {
  static const std::size_t i = broker_config_index("transaction.remove.expired.transaction.cleanup.interval.ms");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::producer_id_expiration_ms() const {
  static const std::size_t i = broker_config_index("producer.id.expiration.ms");
  return static_cast<int32_t>(integer(i));
}

int32_t broker_config::producer_id_expiration_check_interval_ms() const {
  static const std::size_t i = broker_config_index("producer.id.expiration.check.interval.ms");
  return static_cast<int32_t>(integer(i));
}

}  // namespace gregor::config
