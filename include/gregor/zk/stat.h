#pragma once
// A znode's metadata, as ZooKeeper reports it with every read and write.

#include <cstdint>

namespace gregor::zk {

struct stat {
  int64_t czxid = 0;          // zxid of the transaction that created the znode (Kafka: broker epoch)
  int64_t mzxid = 0;          // zxid of the last data change
  int64_t ctime = 0;          // creation time, epoch ms
  int64_t mtime = 0;          // last modification time, epoch ms
  int32_t version = 0;        // data version: the compare-and-set token ("zkVersion")
  int32_t cversion = 0;       // children version
  int32_t aversion = 0;       // ACL version
  int64_t ephemeral_owner = 0;  // owning session id for ephemerals, 0 otherwise
  int32_t data_length = 0;
  int32_t num_children = 0;
  int64_t pzxid = 0;          // zxid of the last children change

  friend bool operator==(const stat&, const stat&) = default;
};

} // namespace gregor::zk
