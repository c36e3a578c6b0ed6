#include "gregor/zk/errc.h"

#include <string>

#include <zookeeper/zookeeper.h>

namespace gregor::zk {
namespace {

class zk_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "zookeeper"; }

  std::string message(int v) const override {
    switch (static_cast<zk_errc>(v)) {
      case zk_errc::connect_timeout: return "no ZooKeeper server answered within the connection timeout";
      case zk_errc::not_started: return "ZooKeeper session not started";
      case zk_errc::controller_moved: return "controller epoch changed: a newer controller exists";
      case zk_errc::bad_data: return "znode data could not be decoded";
      default: break;
    }
    if (v < 0) {
      // zerror() covers every code of the C client, including ones we do not name.
      return std::string(zerror(v));
    }
    return "unknown zookeeper error " + std::to_string(v);
  }
};

} // namespace

const std::error_category& zk_category() noexcept {
  static const zk_category_impl instance;
  return instance;
}

std::error_code from_zoo_rc(int rc) noexcept {
  if (rc == ZOK) return {};
  return {rc, zk_category()};
}

} // namespace gregor::zk
