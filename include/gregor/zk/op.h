#pragma once
// Request and result types shared by session::create/multi and kafka_zk's fenced writes.

#include <cstdint>
#include <optional>
#include <string>
#include <system_error>

#include "gregor/common/bytes.h"
#include "gregor/zk/stat.h"

namespace gregor::zk {

enum class create_mode {
  persistent,
  ephemeral,               // deleted when the creating session ends
  persistent_sequential,   // ZooKeeper appends a 10-digit zero-padded counter to the name
  ephemeral_sequential,
};

// One operation of an atomic multi(). Build with the named constructors.
struct op {
  enum class kind { create, set, remove, check };

  kind type = kind::check;
  std::string path;
  std::optional<bytes> data;   // create: nullopt = null data; set: always engaged
  create_mode mode = create_mode::persistent;
  int32_t version = -1;        // set/remove/check: expected data version, -1 = any

  static op create(std::string path, std::optional<bytes> data, create_mode m = create_mode::persistent);
  static op set(std::string path, bytes data, int32_t version = -1);
  static op remove(std::string path, int32_t version = -1);
  static op check(std::string path, int32_t version);
};

// Outcome of one op inside multi().
struct op_result {
  std::error_code error;   // empty on success. An aborted multi applied NOTHING: the failing op
                           // carries its code, the ops after it runtime_inconsistency, the ops
                           // before it an empty code (valid, but rolled back)
  std::string path;        // create: the created path (with the sequence suffix, without chroot)
  std::optional<zk::stat> node_stat;  // set: the znode's new stat
};

} // namespace gregor::zk
