#include "gregor/zk/op.h"

#include "gregor/zk/watch.h"

namespace gregor::zk {

op op::create(std::string path, std::optional<bytes> data, create_mode m) {
  op o;
  o.type = kind::create;
  o.path = std::move(path);
  o.data = std::move(data);
  o.mode = m;
  return o;
}

op op::set(std::string path, bytes data, int32_t version) {
  op o;
  o.type = kind::set;
  o.path = std::move(path);
  o.data = std::move(data);
  o.version = version;
  return o;
}

op op::remove(std::string path, int32_t version) {
  op o;
  o.type = kind::remove;
  o.path = std::move(path);
  o.version = version;
  return o;
}

op op::check(std::string path, int32_t version) {
  op o;
  o.type = kind::check;
  o.path = std::move(path);
  o.version = version;
  return o;
}

const char* to_string(session_state s) noexcept {
  switch (s) {
    case session_state::connected: return "connected";
    case session_state::disconnected: return "disconnected";
    case session_state::expired: return "expired";
  }
  return "unknown";
}

} // namespace gregor::zk
