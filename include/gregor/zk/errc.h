#pragma once
// Errors of the zk module. Values below zero mirror ZooKeeper's own result codes (so a code read in
// a log matches ZooKeeper's documentation); values above zero are conditions this module adds.

#include <system_error>

namespace gregor::zk {

enum class zk_errc : int {
  // ---- ZooKeeper's codes (same numbers as the C client's ZOO_ERRORS) ----
  system_error = -1,            // unspecified failure inside the client library
  runtime_inconsistency = -2,   // multi: an op after the failing one (never applied)
  data_inconsistency = -3,
  connection_loss = -4,         // connection dropped; the op may or may not have been applied
  marshalling = -5,             // request/response (de)serialisation failed
  unimplemented = -6,
  operation_timeout = -7,
  bad_arguments = -8,
  invalid_state = -9,           // handle not usable (expired, closing, auth failed)
  ssl_connection = -15,
  api_error = -100,
  no_node = -101,
  no_auth = -102,
  bad_version = -103,           // compare-and-set on the znode's data version failed
  no_children_for_ephemerals = -108,
  node_exists = -110,
  not_empty = -111,
  session_expired = -112,
  invalid_callback = -113,
  invalid_acl = -114,
  auth_failed = -115,
  closing = -116,               // the handle was closed while the op was in flight
  session_moved = -118,
  not_readonly = -119,
  ephemeral_on_local_session = -120,
  no_watcher = -121,
  throttled = -127,

  // ---- conditions added by gregor ----
  connect_timeout = 1,    // start(): no ZooKeeper server answered within the connection timeout
  not_started = 2,        // the session was never started or has been closed
  controller_moved = 3,   // fenced write: /controller_epoch's zkVersion changed (a newer controller exists)
  bad_data = 4,           // a znode's content could not be decoded
};

const std::error_category& zk_category() noexcept;

inline std::error_code make_error_code(zk_errc e) noexcept {
  return {static_cast<int>(e), zk_category()};
}

// Maps a return code of the C client (ZOK, ZNONODE, ...) to an error_code; ZOK -> empty error_code.
std::error_code from_zoo_rc(int rc) noexcept;

} // namespace gregor::zk

template <>
struct std::is_error_code_enum<gregor::zk::zk_errc> : std::true_type {};
