#pragma once
// kafka_zk — Kafka's ZooKeeper operations (broker registration, controller election and fencing,
// topic/partition/config znodes) on top of a zk::session. Formats and paths come from znodes.h.
//
// Threading: stateless apart from the session and clock references; safe to use from several
// coroutines at once (the session is thread-safe). `s` and `c` must outlive this object.
//
// Fencing: every write a controller makes goes through fenced_multi(), which prepends
// check(/controller_epoch, claim.epoch_zk_version). If that check fails the call returns
// zk_errc::controller_moved (a newer controller exists: resign), distinct from bad_version of a
// CAS inside the same transaction.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "gregor/common/clock.h"
#include "gregor/common/result.h"
#include "gregor/zk/op.h"
#include "gregor/zk/session.h"
#include "gregor/zk/znodes.h"

namespace gregor::zk {

// Proof of a won election: the controller epoch and the zkVersion of /controller_epoch that every
// fenced write checks.
struct controller_claim {
  int32_t epoch = 0;
  int32_t epoch_zk_version = 0;
  friend bool operator==(const controller_claim&, const controller_claim&) = default;
};

// A decoded znode plus the zkVersion it was read at (CAS token for the next write).
template <typename T>
struct versioned {
  T value;
  int32_t zk_version = 0;
};

// A live broker as the controller sees it.
struct registered_broker {
  broker_registration registration;
  int64_t broker_epoch = 0;  // czxid of /brokers/ids/<id>
};

class kafka_zk {
public:
  explicit kafka_zk(session& s, gregor::clock& c = gregor::clock::system());

  session& zk() { return _s; }

  // Creates the §0 persistent paths (null data), ignoring node_exists.
  asio::awaitable<result<void>> ensure_base_paths();

  // Claims the next block of producer_id_block_size producer ids for `broker_id` through
  // /latest_producer_id_block (ZOOKEEPER-LAYOUT §1): reads the znode and its version, writes the
  // block after the one it names (0..999 when it is empty or missing) with a compare-and-set on
  // that version, and retries when another broker won the race. bad_data when the znode cannot be
  // decoded or the id space is exhausted.
  static constexpr int64_t producer_id_block_size = 1000;
  asio::awaitable<result<producer_id_block>> claim_producer_id_block(int32_t broker_id);

  // Reads /cluster/id; if absent creates it with a random id; if that create loses a race, reads
  // the winner's. Returns the 22-char base64url id. bad_data if the znode cannot be decoded.
  asio::awaitable<result<std::string>> get_or_create_cluster_id();

  // Checked ephemeral create of /brokers/ids/<id>: multi[create(null, EPHEMERAL), set(data, v0)].
  // If the node exists and is owned by this session -> success (idempotent retry); owned by
  // another session -> node_exists. Returns the broker epoch (czxid).
  asio::awaitable<result<int64_t>> register_broker(const broker_registration& reg);

  // One election attempt (ZOOKEEPER-LAYOUT §4 steps 1-3). Returns the claim if we won, nullopt if
  // another broker is controller. Connection-level errors are returned as errors.
  asio::awaitable<result<std::optional<controller_claim>>> try_elect_controller(int32_t broker_id);
  // Current controller's broker id, or nullopt if there is none.
  asio::awaitable<result<std::optional<int32_t>>> get_controller_id();
  // (epoch, zkVersion) of /controller_epoch, or nullopt if it does not exist yet.
  asio::awaitable<result<std::optional<controller_claim>>> get_controller_epoch();
  // Resign: deletes /controller (fenced). no_node is not an error.
  asio::awaitable<result<void>> resign_controller(controller_claim claim);

  // multi[check(/controller_epoch, claim.epoch_zk_version), ops...]. Results exclude the check.
  // controller_moved if the check failed; otherwise the first failing op's error.
  asio::awaitable<result<std::vector<op_result>>> fenced_multi(controller_claim claim, std::vector<op> ops);

  // ---- topics ----
  asio::awaitable<result<std::vector<std::string>>> list_topics();
  // nullopt if the topic does not exist; bad_data if its znode cannot be decoded.
  asio::awaitable<result<std::optional<versioned<topic_assignment>>>> get_topic_assignment(std::string topic);
  // Writes /config/topics/<t> first (set or create; {"version":1,"config":{}} when empty), then
  // creates /brokers/topics/<t>. node_exists if the topic already exists (config left untouched).
  asio::awaitable<result<void>> create_topic(std::string topic, topic_assignment assignment,
                                             std::map<std::string, std::string> config);
  // Rewrites /brokers/topics/<t> (CAS on expected_version, -1 = any); fenced when `fence` is set.
  // Returns the new zkVersion.
  asio::awaitable<result<int32_t>> set_topic_assignment(std::string topic, topic_assignment assignment,
                                                        std::optional<controller_claim> fence = std::nullopt,
                                                        int32_t expected_version = -1);

  // ---- partition state (controller writes are fenced) ----
  asio::awaitable<result<std::optional<versioned<partition_state>>>> get_partition_state(std::string topic,
                                                                                         int32_t partition);
  // Creates .../partitions/<p>/state (and missing parents). node_exists if the state exists.
  // Returns the zkVersion (0).
  asio::awaitable<result<int32_t>> create_partition_state(controller_claim claim, std::string topic,
                                                          int32_t partition, partition_state state);
  // CAS write: bad_version if the state's zkVersion != expected_zk_version. Returns the new zkVersion.
  asio::awaitable<result<int32_t>> update_partition_state(controller_claim claim, std::string topic,
                                                          int32_t partition, partition_state state,
                                                          int32_t expected_zk_version);
  // A partition leader's own CAS write of its state (Kafka's leader-side updateLeaderAndIsr, and
  // a broker leaving ISRs after an unclean shutdown): NOT fenced by /controller_epoch, only by the
  // state's zkVersion. bad_version if it != expected_zk_version, no_node if the partition is gone.
  // Returns the new zkVersion.
  asio::awaitable<result<int32_t>> update_partition_state_as_leader(std::string topic, int32_t partition,
                                                                    partition_state state,
                                                                    int32_t expected_zk_version);

  // ---- brokers ----
  asio::awaitable<result<std::vector<int32_t>>> list_broker_ids();  // sorted ascending
  asio::awaitable<result<std::optional<registered_broker>>> get_broker(int32_t id);

  // ---- deletion ----
  // Creates /admin/delete_topics/<t>. node_exists if already marked.
  asio::awaitable<result<void>> mark_topic_for_deletion(std::string topic);
  asio::awaitable<result<std::vector<std::string>>> list_topics_marked_for_deletion();
  // Fenced: deletes /brokers/topics/<t> recursively, /config/topics/<t>, /admin/delete_topics/<t>.
  // Missing nodes are not an error.
  asio::awaitable<result<void>> delete_topic_znodes(controller_claim claim, std::string topic);

  // Fenced: deletes /admin/delete_topics/<t> for each topic (missing markers are not an error).
  asio::awaitable<result<void>> delete_topic_deletion_markers(controller_claim claim, std::vector<std::string> topics);

  // ---- ISR change notifications (/isr_change_notification/isr_change_<seq>, §2.8) ----
  // Creates one persistent sequential notification listing `partitions` (a partition leader that
  // changed their ISR writes it; the controller re-reads those states). Returns the created path.
  asio::awaitable<result<std::string>> create_isr_change_notification(std::vector<topic_partition> partitions);
  // Notification names (e.g. "isr_change_0000000007"), sorted by sequence; names without a sequence
  // suffix are skipped. The watcher, if given, fires on the next change of the children.
  asio::awaitable<result<std::vector<std::string>>> list_isr_change_notifications(watcher w = {});
  // nullopt if the notification is gone; bad_data if its JSON cannot be decoded.
  asio::awaitable<result<std::optional<std::vector<topic_partition>>>> get_isr_change_notification(std::string name);
  // Fenced: deletes the named notifications; missing ones are not an error.
  asio::awaitable<result<void>> delete_isr_change_notifications(controller_claim claim, std::vector<std::string> names);

  // ---- /admin/reassign_partitions and /admin/preferred_replica_election (§2.6, §2.7) ----
  // nullopt if the znode does not exist; bad_data if it cannot be decoded.
  asio::awaitable<result<std::optional<versioned<std::map<topic_partition, std::vector<int32_t>>>>>>
  get_partition_reassignment();
  // Fenced: rewrites the znode with `remaining` (CAS on expected_version, -1 = any), or deletes it
  // when `remaining` is empty. A missing znode is not an error.
  asio::awaitable<result<void>> set_partition_reassignment(controller_claim claim,
                                                           std::map<topic_partition, std::vector<int32_t>> remaining,
                                                           int32_t expected_version = -1);
  // nullopt if the znode does not exist; bad_data if it cannot be decoded.
  asio::awaitable<result<std::optional<std::vector<topic_partition>>>> get_preferred_replica_election();
  // Fenced delete; a missing znode is not an error.
  asio::awaitable<result<void>> delete_preferred_replica_election(controller_claim claim);

  // ---- dynamic config ----
  // Empty map if the entity has no config znode.
  asio::awaitable<result<std::map<std::string, std::string>>> get_entity_config(std::string type, std::string name);
  // Set-or-create /config/<type>/<name>, then create config_change_<seq> (v2) so brokers re-read it.
  asio::awaitable<result<void>> set_entity_config(std::string type, std::string name,
                                                  std::map<std::string, std::string> config);

  // ---- config change notifications (/config/changes/config_change_<seq>) ----
  struct config_change_node {
    std::string name;  // child name, e.g. "config_change_0000000042"
    int64_t sequence = 0;
  };
  // The notifications, sorted by sequence (names without a sequence suffix are skipped). The
  // watcher, if given, fires on the next change of the children. Missing parent: empty list.
  asio::awaitable<result<std::vector<config_change_node>>> list_config_changes(watcher w = {});
  struct config_change {
    std::string entity_path;  // "topics/orders", "brokers/<default>", "brokers/1"
    int64_t ctime_ms = 0;     // creation time (purge after 15 minutes)
  };
  // nullopt if the notification is gone; bad_data if its JSON cannot be decoded.
  asio::awaitable<result<std::optional<config_change>>> get_config_change(std::string name);
  // Deletes one notification; no_node is not an error (another broker purged it first).
  asio::awaitable<result<void>> delete_config_change(std::string name);

private:
  session& _s;
  gregor::clock& _clock;
};

} // namespace gregor::zk
