#pragma once
// broker_services: the components a request handler may use, wired together by the app's
// composition root. Handlers receive it through their request_context; none of them owns any.
// Every referenced component outlives request processing.

#include <atomic>
#include <cstdint>
#include <string>

namespace gregor {
class clock;
}
namespace gregor::config {
class broker_config;
}
namespace gregor::metadata {
class metadata_cache;
}
namespace gregor::replication {
class replica_manager;
}
namespace gregor::zk {
class kafka_zk;
}
namespace gregor::controller {
class controller;
}
namespace gregor::log {
class log_manager;
}
namespace gregor::group {
class group_coordinator;
}
namespace gregor::txn {
class producer_id_manager;
class transaction_coordinator;
}

namespace gregor::server {

struct broker_services {
  int32_t broker_id = 0;
  std::string cluster_id;
  const config::broker_config* config = nullptr;
  metadata::metadata_cache* metadata = nullptr;
  replication::replica_manager* replicas = nullptr;
  zk::kafka_zk* zk = nullptr;
  controller::controller* controller = nullptr;
  log::log_manager* logs = nullptr;
  group::group_coordinator* groups = nullptr;
  txn::producer_id_manager* producer_ids = nullptr;
  txn::transaction_coordinator* txns = nullptr;
  clock* clk = nullptr;
  // czxid of our /brokers/ids/<id> registration (changes when the session is re-established).
  std::atomic<int64_t> broker_epoch{-1};
};

} // namespace gregor::server
