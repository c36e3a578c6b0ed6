#pragma once
// zk::session — an awaitable ZooKeeper client over the C library (libzookeeper-mt).
//
// Threading: thread-safe; any method may be called from any thread. The C library calls back on
// its own threads; the session never runs user code there. Every completion resumes the awaiting
// coroutine through its own executor, and every watch and state-change callback is posted to a
// strand of the executor given at construction, in the order the library produced them.
//
// Lifecycle: construct -> start() -> operations -> close() (or destruction, which also closes).
// On session expiry the session builds a new handle by itself and reports `expired`, then
// `connected` once the new session is up (new session_id(), no ephemerals, no watches), so owners
// re-register what they own. Operations issued while there is no usable handle fail fast with
// session_expired / connection_loss rather than waiting.
//
// Lifetime: the executor must outlive the session. Coroutines awaiting an operation when the
// session is closed or destroyed resume with zk_errc::closing.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "gregor/common/bytes.h"
#include "gregor/common/result.h"
#include "gregor/zk/errc.h"
#include "gregor/zk/op.h"
#include "gregor/zk/stat.h"
#include "gregor/zk/watch.h"

namespace gregor::zk {

namespace asio = boost::asio;

// Identity of a live session: what a second client needs to attach to it (tests use this to force
// expiry by attaching and closing). Treat the password as a secret.
struct session_credentials {
  int64_t id = 0;
  std::string password;  // 16 bytes
};

class session {
public:
  // `connect_string` is "host:port[,host:port...][/chroot]". Nothing happens until start().
  session(asio::any_io_executor ex, std::string connect_string, int session_timeout_ms);
  ~session();  // closes the handle if still open (blocking, like close())
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  // Connects and waits until the session is established. With a chroot, first connects without
  // it, creates the chroot path recursively (persistent, null data), then connects with it.
  // Errors: connect_timeout if no server answered within `connection_timeout_ms`, invalid_state
  // if already started, or the error of creating the chroot.
  asio::awaitable<result<void>> start(int connection_timeout_ms);

  // Reads data and stat. Null data (parents, markers) -> nullopt. no_node if absent.
  // A watcher, if given, is registered only when the read succeeds.
  asio::awaitable<result<std::pair<std::optional<bytes>, stat>>> get(std::string path, watcher w = {});
  // nullopt if absent. A watcher is registered either way (fires on creation or change/deletion).
  asio::awaitable<result<std::optional<stat>>> exists(std::string path, watcher w = {});
  // Child names (not full paths), in ZooKeeper's order (unsorted). no_node if absent.
  asio::awaitable<result<std::vector<std::string>>> children(std::string path, watcher w = {});

  // Returns the created path (with sequence suffix for sequential modes). Open ACL.
  asio::awaitable<result<std::string>> create(std::string path, std::optional<bytes> data,
                                              create_mode m = create_mode::persistent);
  asio::awaitable<result<stat>> set(std::string path, bytes data, int32_t version = -1);
  asio::awaitable<result<void>> remove(std::string path, int32_t version = -1);
  // Depth-first delete; children or the node vanishing concurrently is not an error. Not atomic.
  asio::awaitable<result<void>> remove_recursive(std::string path);
  // Creates `path` with `data`, creating missing parents with null data (parents' node_exists is
  // ignored). node_exists if the leaf itself exists.
  asio::awaitable<result<void>> create_recursive(std::string path, std::optional<bytes> data,
                                                 create_mode m = create_mode::persistent);

  // Atomic transaction. Success -> one op_result per op. Failure -> the error of the first
  // failing op (e.g. node_exists, bad_version), or a connection-level error.
  asio::awaitable<result<std::vector<op_result>>> multi(std::vector<op> ops);
  // Like multi(), but an aborted transaction is a success carrying per-op errors (see op_result);
  // the outer error is only for connection-level failures. For callers that must know WHICH op
  // failed (e.g. a fencing check vs. a CAS write).
  asio::awaitable<result<std::vector<op_result>>> multi_detailed(std::vector<op> ops);

  // Registers the (single) state-change callback; invoked on the executor's strand.
  void on_state_change(std::function<void(session_state)> cb);

  // Current session id (0 before the first connection).
  int64_t session_id() const;
  session_credentials credentials() const;
  bool connected() const;

  // Clean close: ends the session (the server deletes our ephemerals immediately). Pending
  // operations complete with closing. Blocks the calling thread for at most a few seconds while the
  // close request is flushed. Idempotent.
  asio::awaitable<void> close();

  struct impl;  // private; public only so that the implementation's free functions can name it

private:
  std::shared_ptr<impl> _impl;
};

} // namespace gregor::zk
