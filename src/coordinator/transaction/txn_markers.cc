// Transaction markers (Kafka's TransactionMarkerChannelManager): once PrepareCommit or
// PrepareAbort is written, WriteTxnMarkers goes to the leader of every partition of the
// transaction, over the network even when that leader is this broker (one code path). A partition
// whose leader is unknown, moved, or not ready yet is retried; a deleted topic's partition is
// dropped; a refusal that means this coordinator was deposed stops the job (the next coordinator
// resends). When every partition has its marker, CompleteCommit/CompleteAbort is written.
// Runs on the coordinator's strand; the channel_manager calls back on it too.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "coordinator_impl.h"
#include "gregor/common/logger.h"
#include "gregor/protocol/framing.h"
#include "gregor/protocol/messages/write_txn_markers.h"

namespace gregor::txn {

namespace {

auto markers_logger() { return get_logger("transaction-coordinator"); }

constexpr int16_t write_txn_markers_key = 27;
constexpr int16_t write_txn_markers_version = 1;
constexpr auto marker_retry_interval = std::chrono::milliseconds(100);

enum class marker_outcome { done, retry, unexpected, fenced };

// Kafka's TransactionMarkerRequestCompletionHandler, per partition.
marker_outcome classify(error_code e) {
  switch (e) {
  case error_code::none:
  case error_code::unsupported_for_message_format:
  case error_code::unsupported_version:
    return marker_outcome::done;
  case error_code::invalid_producer_epoch:
  case error_code::transaction_coordinator_fenced:
    return marker_outcome::fenced;
  case error_code::unknown_topic_or_partition:
  case error_code::not_leader_or_follower:
  case error_code::not_enough_replicas:
  case error_code::not_enough_replicas_after_append:
  case error_code::request_timed_out:
  case error_code::kafka_storage_error:
    return marker_outcome::retry;  // leadership moving, too few replicas: resend
  default:
    // Kafka treats anything else (CORRUPT_MESSAGE, MESSAGE_TOO_LARGE, ...) as a bug and stops; the
    // transaction cannot complete without its marker, so we keep trying and say so loudly.
    return marker_outcome::unexpected;
  }
}

iobuf build_request(const marker_job& job, const std::vector<topic_partition>& partitions, int32_t correlation,
                    int32_t broker_id) {
  protocol::write_txn_markers_request req;
  auto& marker = req.markers.emplace_back();
  marker.producer_id = job.producer_id;
  marker.producer_epoch = job.producer_epoch;
  marker.transaction_result = job.commit;
  marker.coordinator_epoch = job.coordinator_epoch;
  for (const auto& tp : partitions) {  // sorted: partitions of one topic are adjacent
    if (marker.topics.empty() || marker.topics.back().name != tp.topic) marker.topics.emplace_back().name = tp.topic;
    marker.topics.back().partition_indexes.push_back(tp.partition);
  }
  protocol::request_header h;
  h.api_key = write_txn_markers_key;
  h.api_version = write_txn_markers_version;
  h.correlation_id = correlation;
  h.client_id = "broker-" + std::to_string(broker_id) + "-txn-marker-sender";
  return protocol::encode_request_frame(h, req);
}

// The error of every asked partition (UNKNOWN_SERVER_ERROR, hence a retry, when the response is
// missing or does not parse).
std::map<topic_partition, error_code> marker_errors(const result<shared_bytes>& response,
                                                    const std::vector<topic_partition>& asked) {
  std::map<topic_partition, error_code> out;
  for (const auto& tp : asked) out[tp] = error_code::unknown_server_error;
  if (!response) return out;
  protocol::reader r(*response);
  int32_t correlation = 0;
  protocol::write_txn_markers_response resp;
  if (!protocol::decode_response_header(r, write_txn_markers_key, write_txn_markers_version, correlation) ||
      !resp.decode(r, write_txn_markers_version)) {
    return out;
  }
  for (const auto& m : resp.markers) {
    for (const auto& t : m.topics) {
      for (const auto& p : t.partitions) {
        if (auto it = out.find(topic_partition{t.name, p.partition_index}); it != out.end()) {
          it->second = static_cast<error_code>(p.error_code);
        }
      }
    }
  }
  return out;
}

} // namespace

void transaction_coordinator::impl::start_markers(const txn_metadata& m, int32_t coordinator_epoch) {
  if (_stopped) return;
  auto job = std::make_shared<marker_job>();
  job->transactional_id = m.transactional_id();
  job->coordinator_epoch = coordinator_epoch;
  job->producer_id = m.producer_id();
  job->producer_epoch = m.producer_epoch();
  job->commit = m.state() == txn_state::prepare_commit;
  job->unsent = m.partitions();
  _jobs[job->transactional_id] = job;
  send_markers(*job);
  schedule_marker_tick();
}

void transaction_coordinator::impl::send_markers(marker_job& job) {
  auto snap = _metadata.snapshot();
  std::map<int32_t, std::vector<topic_partition>> by_leader;
  for (auto it = job.unsent.begin(); it != job.unsent.end();) {
    const topic_partition& tp = *it;
    const auto* p = snap->find_partition(tp.topic, tp.partition);
    if (p == nullptr) {
      // Deleted (or recreated smaller): no log left to mark (Kafka's removePartition).
      markers_logger()->info("{}: dropping the marker for {}: the partition no longer exists", job.transactional_id,
                     tp.to_string());
      it = job.unsent.erase(it);
      continue;
    }
    const auto b = snap->brokers.find(p->leader);
    const auto* endpoint = b == snap->brokers.end() ? nullptr : b->second.endpoint_for(_options.inter_broker_listener);
    if (endpoint == nullptr) {
      ++it;  // no live leader yet: the tick retries
      continue;
    }
    const std::pair<std::string, uint16_t> where{endpoint->host, static_cast<uint16_t>(endpoint->port)};
    auto known = _channel_endpoints.find(p->leader);
    if (known == _channel_endpoints.end()) {
      _channels.add_broker(p->leader, where.first, where.second);
      _channel_endpoints[p->leader] = where;
    }
    by_leader[p->leader].push_back(tp);
    it = job.unsent.erase(it);
  }
  for (auto& [broker, partitions] : by_leader) {
    for (const auto& tp : partitions) job.in_flight[tp] = broker;
    network::outbound_request req;
    req.api_key = write_txn_markers_key;
    req.api_version = write_txn_markers_version;
    req.frame = build_request(job, partitions, ++_correlation, _options.broker_id);
    std::weak_ptr<impl> weak = weak_from_this();
    req.on_response = [weak, id = job.transactional_id, epoch = job.coordinator_epoch, broker = broker,
                       asked = partitions](result<shared_bytes> r) mutable {
      if (auto self = weak.lock()) self->on_marker_response(id, epoch, broker, std::move(asked), std::move(r));
    };
    _channels.send(broker, std::move(req));
  }
}

void transaction_coordinator::impl::on_marker_response(const std::string& id, int32_t coordinator_epoch,
                                                       int32_t broker, std::vector<topic_partition> asked,
                                                       result<shared_bytes> response) {
  auto it = _jobs.find(id);
  if (_stopped || it == _jobs.end() || it->second->coordinator_epoch != coordinator_epoch) return;
  auto job = it->second;
  bool fenced = false;
  for (const auto& [tp, e] : marker_errors(response, asked)) {
    auto sent = job->in_flight.find(tp);
    if (sent == job->in_flight.end() || sent->second != broker) continue;  // resent elsewhere meanwhile
    job->in_flight.erase(sent);
    switch (classify(e)) {
    case marker_outcome::done:
      break;
    case marker_outcome::fenced:
      fenced = true;
      break;
    case marker_outcome::retry:
      markers_logger()->debug("{}: marker for {} refused by broker {} ({}); retrying", id, tp.to_string(), broker,
                      protocol::error_name(e));
      job->unsent.insert(tp);
      break;
    case marker_outcome::unexpected:
      markers_logger()->error("{}: marker for {} refused by broker {} with {}; retrying", id, tp.to_string(), broker,
                      protocol::error_name(e));
      job->unsent.insert(tp);
      break;
    }
  }
  if (fenced) {
    // A newer coordinator owns this transaction now; it finishes the markers.
    markers_logger()->info("{}: markers refused as coming from a deposed coordinator (epoch {}); stopping", id,
                   coordinator_epoch);
    _jobs.erase(it);
    return;
  }
  if (job->unsent.empty() && job->in_flight.empty()) {
    asio::co_spawn(_strand, complete_markers(shared_from_this(), id), asio::detached);
  } else {
    schedule_marker_tick();
  }
}

void transaction_coordinator::impl::sync_channels() {
  auto snap = _metadata.snapshot();
  std::vector<int32_t> stale;
  for (const auto& [broker, where] : _channel_endpoints) {
    auto b = snap->brokers.find(broker);
    const auto* e = b == snap->brokers.end() ? nullptr : b->second.endpoint_for(_options.inter_broker_listener);
    if (e == nullptr || e->host != where.first || e->port != where.second) stale.push_back(broker);
  }
  for (int32_t broker : stale) {
    _channels.remove_broker(broker);  // drops its queue without answers: resend what it held
    _channel_endpoints.erase(broker);
    for (auto& [id, job] : _jobs) {
      for (auto f = job->in_flight.begin(); f != job->in_flight.end();) {
        if (f->second == broker) {
          job->unsent.insert(f->first);
          f = job->in_flight.erase(f);
        } else {
          ++f;
        }
      }
    }
  }
}

void transaction_coordinator::impl::schedule_marker_tick() {
  if (_stopped || _marker_tick_armed || _jobs.empty()) return;
  _marker_tick_armed = true;
  _marker_timer.expires_after(marker_retry_interval);
  std::weak_ptr<impl> weak = weak_from_this();
  _marker_timer.async_wait([weak](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self) return;
    self->_marker_tick_armed = false;
    if (!ec) self->marker_tick();
  });
}

void transaction_coordinator::impl::marker_tick() {
  if (_stopped) return;
  sync_channels();
  std::vector<std::string> complete;
  for (auto& [id, job] : _jobs) {
    if (!job->unsent.empty()) send_markers(*job);
    if (job->unsent.empty() && job->in_flight.empty() && !job->completing) complete.push_back(id);
  }
  for (const auto& id : complete) asio::co_spawn(_strand, complete_markers(shared_from_this(), id), asio::detached);
  schedule_marker_tick();
}

asio::awaitable<void> transaction_coordinator::impl::complete_markers(std::shared_ptr<impl> self, std::string id) {
  (void)self;
  auto it = _jobs.find(id);
  if (it == _jobs.end() || it->second->completing) co_return;
  auto job = it->second;
  job->completing = true;
  auto m = find(id);
  const bool prepared = m && (m->state() == txn_state::prepare_commit || m->state() == txn_state::prepare_abort);
  if (!prepared || !still_owned(id, job->coordinator_epoch, m) || m->producer_id() != job->producer_id ||
      m->producer_epoch() != job->producer_epoch) {
    if (_jobs[id] == job) _jobs.erase(id);
    co_return;
  }
  if (m->pending()) {  // cannot happen (Prepare* takes no other transition); try again later
    job->completing = false;
    schedule_marker_tick();
    co_return;
  }
  auto transit = m->prepare_complete(now_ms());
  error_code e = co_await write_transition(id, job->coordinator_epoch, m, std::move(transit), false);
  auto now = _jobs.find(id);
  const bool ours = now != _jobs.end() && now->second == job;
  if (e == error_code::none || e == error_code::not_coordinator || e == error_code::coordinator_load_in_progress) {
    if (ours) _jobs.erase(now);
    if (e == error_code::none) {
      markers_logger()->debug("{}: transaction {} (producer id {}, epoch {})", id, job->commit ? "committed" : "aborted",
                      job->producer_id, job->producer_epoch);
    }
    co_return;
  }
  markers_logger()->warn("{}: writing the completed state failed ({}); retrying", id, protocol::error_name(e));
  if (ours) job->completing = false;
  schedule_marker_tick();
}

void transaction_coordinator::impl::drop_marker_jobs(int32_t partition) {
  for (auto it = _jobs.begin(); it != _jobs.end();) {
    it = partition_for(it->first) == partition ? _jobs.erase(it) : std::next(it);
  }
}

} // namespace gregor::txn
