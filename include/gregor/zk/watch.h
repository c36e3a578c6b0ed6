#pragma once
// Watch and session-state notifications delivered by zk::session.

#include <functional>
#include <string>

namespace gregor::zk {

struct watch_event {
  enum kind {
    created,
    deleted,
    data_changed,
    children_changed,
    session_lost,   // the session expired (or the watch could never fire); re-read and re-watch
  } type;
  std::string path;  // without chroot; empty for session_lost
};

// One-shot: invoked at most once, on the session's executor (never on a ZooKeeper thread).
using watcher = std::function<void(watch_event)>;

enum class session_state {
  connected,     // (re)connected; after `expired` this is a NEW session (new id, no ephemerals)
  disconnected,  // connection lost; the client keeps retrying; the session may still be alive
  expired,       // the server dropped the session: ephemerals and watches are gone
};

const char* to_string(session_state s) noexcept;

} // namespace gregor::zk
