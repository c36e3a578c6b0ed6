// gregor-transactions (kafka-transactions.sh): list, describe and abort transactions and describe a
// partition's producers, with Kafka's flags and tables (transactions_format.h):
//   list                         ListTransactions to every broker
//   describe --transactional-id  FindCoordinator (transaction) then DescribeTransactions
//   describe-producers --topic --partition [--broker-id]   DescribeProducers to the leader (or B)
//   abort --topic --partition (--start-offset | --producer-id --producer-epoch --coordinator-epoch)
//                                WriteTxnMarkers(ABORT) to the partition's leader, as Kafka's
//                                Admin.abortTransaction does (for hanging transactions)
// Exit code 0, or 1 with the error on stderr.

#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "admin_client_options.h"
#include "cli_util.h"
#include "gregor/client/sync_client.h"
#include "gregor/common/logger.h"
#include "gregor/protocol/error_code.h"
#include "gregor/protocol/messages/describe_producers.h"
#include "gregor/protocol/messages/describe_transactions.h"
#include "gregor/protocol/messages/find_coordinator.h"
#include "gregor/protocol/messages/list_transactions.h"
#include "gregor/protocol/messages/write_txn_markers.h"
#include "raw_call.h"
#include "transactions_format.h"

namespace {

namespace gc = gregor::client;
namespace gp = gregor::protocol;
using gregor::result;

std::string error_text(int16_t code) {
  return std::string(gp::error_name(static_cast<gp::error_code>(code)));
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct tool {
  gc::sync_client& client;
  std::chrono::milliseconds timeout;

  template <class Resp, class Req>
  result<Resp> send(const gc::broker_info& b, int16_t version, const Req& req) {
    return gregor::tools::call<Resp>(client, b, version, req, "transactions-tool");
  }

  const gc::cluster_metadata& metadata() { return client.async().metadata(); }

  int list() {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [id, b] : metadata().brokers) {
      gp::list_transactions_request req;
      auto resp = send<gp::list_transactions_response>(b, 0, req);
      if (!resp) {
        std::cerr << "Failed to list transactions of broker " << id << ": " << resp.error().message() << "\n";
        return 1;
      }
      if (resp->error_code != 0) {
        std::cerr << "Failed to list transactions of broker " << id << ": " << error_text(resp->error_code) << "\n";
        return 1;
      }
      for (const auto& t : resp->transaction_states) {
        rows.push_back({t.transactional_id, std::to_string(id), std::to_string(t.producer_id), t.transaction_state});
      }
    }
    std::cout << gregor::tools::format_table(gregor::tools::list_transactions_headers(), rows);
    return 0;
  }

  // The broker coordinating `id` (FindCoordinator key type 1, retried while it is not available).
  std::optional<gc::broker_info> coordinator_of(const std::string& id) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      for (const auto& [bid, b] : metadata().brokers) {
        gp::find_coordinator_request req;
        req.key = id;
        req.key_type = 1;
        auto resp = send<gp::find_coordinator_response>(b, 1, req);
        if (!resp) continue;
        if (resp->error_code == 0) return gc::broker_info{resp->node_id, resp->host, resp->port, std::nullopt};
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  int describe(const std::string& id) {
    auto coordinator = coordinator_of(id);
    if (!coordinator) {
      std::cerr << "Failed to find the coordinator of transactional id " << id << "\n";
      return 1;
    }
    gp::describe_transactions_request req;
    req.transactional_ids.push_back(id);
    auto resp = send<gp::describe_transactions_response>(*coordinator, 0, req);
    if (!resp || resp->transaction_states.size() != 1) {
      std::cerr << "Failed to describe transactional id " << id << "\n";
      return 1;
    }
    const auto& s = resp->transaction_states.front();
    if (s.error_code != 0) {
      std::cerr << "Failed to describe transactional id " << id << ": " << error_text(s.error_code) << "\n";
      return 1;
    }
    std::string partitions;
    for (const auto& t : s.topics) {
      for (int32_t p : t.partitions) partitions += (partitions.empty() ? "" : ",") + t.topic + "-" + std::to_string(p);
    }
    const std::string start = gregor::tools::or_none(s.transaction_start_time_ms);
    const std::string duration =
        s.transaction_start_time_ms < 0 ? "None" : std::to_string(now_ms() - s.transaction_start_time_ms);
    std::vector<std::vector<std::string>> rows{{std::to_string(coordinator->id), s.transactional_id,
                                                std::to_string(s.producer_id), std::to_string(s.producer_epoch),
                                                s.transaction_state, std::to_string(s.transaction_timeout_ms), start,
                                                duration, partitions}};
    std::cout << gregor::tools::format_table(gregor::tools::describe_transaction_headers(), rows);
    return 0;
  }

  // The producers of a partition from its leader (or `broker_id`); nullopt after printing why.
  std::optional<std::vector<gp::describe_producers_response::topic_response::partition_response::producer_state>>
  producers(const std::string& topic, int32_t partition, std::optional<int32_t> broker_id) {
    int32_t target = -1;
    if (broker_id) {
      target = *broker_id;
    } else if (const auto* p = metadata().find_partition(topic, partition); p != nullptr) {
      target = p->leader;
    }
    const auto* b = metadata().find_broker(target);
    if (b == nullptr) {
      std::cerr << "Failed to find the leader of " << topic << "-" << partition << "\n";
      return std::nullopt;
    }
    gp::describe_producers_request req;
    auto& t = req.topics.emplace_back();
    t.name = topic;
    t.partition_indexes.push_back(partition);
    auto resp = send<gp::describe_producers_response>(*b, 0, req);
    if (!resp || resp->topics.size() != 1 || resp->topics[0].partitions.size() != 1) {
      std::cerr << "Failed to describe the producers of " << topic << "-" << partition << ": "
                << (resp ? std::string("unexpected answer") : resp.error().message()) << "\n";
      return std::nullopt;
    }
    const auto& pr = resp->topics[0].partitions[0];
    if (pr.error_code != 0) {
      std::cerr << "Failed to describe the producers of " << topic << "-" << partition << ": "
                << error_text(pr.error_code) << "\n";
      return std::nullopt;
    }
    return pr.active_producers;
  }

  int describe_producers(const std::string& topic, int32_t partition, std::optional<int32_t> broker_id) {
    auto ps = producers(topic, partition, broker_id);
    if (!ps) return 1;
    std::vector<std::vector<std::string>> rows;
    for (const auto& p : *ps) {
      rows.push_back({std::to_string(p.producer_id), std::to_string(p.producer_epoch),
                      std::to_string(p.coordinator_epoch), std::to_string(p.last_sequence),
                      std::to_string(p.last_timestamp), gregor::tools::or_none(p.current_txn_start_offset)});
    }
    std::cout << gregor::tools::format_table(gregor::tools::describe_producers_headers(), rows);
    return 0;
  }

  int abort(const std::string& topic, int32_t partition, std::optional<int64_t> start_offset,
            std::optional<int64_t> producer_id, std::optional<int16_t> producer_epoch,
            std::optional<int32_t> coordinator_epoch) {
    int64_t pid = -1;
    int32_t epoch = -1;
    int32_t coord = -1;
    if (start_offset) {
      auto ps = producers(topic, partition, std::nullopt);
      if (!ps) return 1;
      for (const auto& p : *ps) {
        if (p.current_txn_start_offset == *start_offset) {
          pid = p.producer_id;
          epoch = p.producer_epoch;
          coord = p.coordinator_epoch;
        }
      }
      if (pid < 0) {
        std::cerr << "Could not find any open transactions starting at offset " << *start_offset << " on partition "
                  << topic << "-" << partition << "\n";
        return 1;
      }
    } else {
      pid = *producer_id;
      epoch = *producer_epoch;
      coord = *coordinator_epoch;
    }
    const auto* p = metadata().find_partition(topic, partition);
    const auto* b = p == nullptr ? nullptr : metadata().find_broker(p->leader);
    if (b == nullptr) {
      std::cerr << "Failed to find the leader of " << topic << "-" << partition << "\n";
      return 1;
    }
    gp::write_txn_markers_request req;
    auto& m = req.markers.emplace_back();
    m.producer_id = pid;
    m.producer_epoch = static_cast<int16_t>(epoch);
    m.transaction_result = false;
    m.coordinator_epoch = std::max(coord, 0);
    auto& t = m.topics.emplace_back();
    t.name = topic;
    t.partition_indexes.push_back(partition);
    auto resp = send<gp::write_txn_markers_response>(*b, 1, req);
    int16_t e = -1;
    if (resp && resp->markers.size() == 1 && resp->markers[0].topics.size() == 1 &&
        resp->markers[0].topics[0].partitions.size() == 1) {
      e = resp->markers[0].topics[0].partitions[0].error_code;
    }
    if (e != 0) {
      std::cerr << "Failed to abort the transaction of producer " << pid << " on " << topic << "-" << partition << ": "
                << (e < 0 ? std::string("no answer") : error_text(e)) << "\n";
      return 1;
    }
    return 0;
  }
};

} // namespace

int main(int argc, char** argv) {
  gregor::set_log_level(std::getenv("GREGOR_LOG_LEVEL") != nullptr ? std::getenv("GREGOR_LOG_LEVEL") : "error");
  CLI::App app{"This tool is used to analyze the transactional state of producers in the cluster. It can be used "
               "to detect and recover from hanging transactions.",
               "kafka-transactions.sh"};
  std::string bootstrap_server, command_config;
  app.add_option("--bootstrap-server", bootstrap_server, "REQUIRED: the server(s) to use for bootstrapping")->required();
  app.add_option("--command-config", command_config, "Property file containing configs to be passed to admin clients");
  app.set_version_flag("--version", "gregor 0.1.0");
  app.require_subcommand(1);
  auto* list = app.add_subcommand("list", "List transactions");
  std::string txn_id;
  auto* describe = app.add_subcommand("describe", "Describe the state of an active transactional-id.");
  describe->add_option("--transactional-id", txn_id, "Transactional id")->required();
  std::string topic;
  int32_t partition = -1;
  std::optional<int32_t> broker_id;
  auto* producers = app.add_subcommand("describe-producers", "Describe the states of active producers for a topic partition.");
  producers->add_option("--topic", topic, "Topic name")->required();
  producers->add_option("--partition", partition, "Topic partition")->required();
  producers->add_option("--broker-id", broker_id, "The ID of the broker to query; the partition's leader if unset");
  std::optional<int64_t> start_offset, producer_id;
  std::optional<int16_t> producer_epoch;
  std::optional<int32_t> coordinator_epoch;
  auto* abort = app.add_subcommand("abort", "Abort a hanging transaction (requires administrative privileges).");
  abort->add_option("--topic", topic, "Topic name")->required();
  abort->add_option("--partition", partition, "Topic partition")->required();
  abort->add_option("--start-offset", start_offset, "Initial offset of the transaction to abort");
  abort->add_option("--producer-id", producer_id, "Producer id of the transaction to abort");
  abort->add_option("--producer-epoch", producer_epoch, "Producer epoch of the transaction to abort");
  abort->add_option("--coordinator-epoch", coordinator_epoch, "Coordinator epoch of the transaction to abort");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  if (abort->parsed() && !start_offset && !(producer_id && producer_epoch && coordinator_epoch)) {
    std::cerr << "The transaction to abort must be identified either by --start-offset or by all of --producer-id, "
                 "--producer-epoch and --coordinator-epoch\n";
    return 1;
  }
  auto client =
      gregor::tools::bootstrapped_admin_client(bootstrap_server, command_config, "transactions-tool", std::cerr);
  if (!client) return 1;
  gc::sync_client& c = *client;
  if (!topic.empty()) {
    auto md = c.run(c.async().refresh_metadata(std::vector<std::string>{topic}));
    (void)md;
  }
  tool t{c, c.async().options().request_timeout};
  if (list->parsed()) return t.list();
  if (describe->parsed()) return t.describe(txn_id);
  if (producers->parsed()) return t.describe_producers(topic, partition, broker_id);
  return t.abort(topic, partition, start_offset, producer_id, producer_epoch, coordinator_epoch);
}
