#include "gregor/network/errc.h"

#include <string>

namespace gregor::network {

namespace {
class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "gregor.network"; }
  std::string message(int v) const override {
    switch (static_cast<errc>(v)) {
    case errc::ok: return "success";
    case errc::timed_out: return "timed out";
    case errc::connection_closed: return "connection closed";
    case errc::frame_too_large: return "frame larger than the allowed maximum";
    case errc::invalid_frame_size: return "negative frame size";
    case errc::unexpected_response: return "response without an outstanding request";
    case errc::resolve_failed: return "host name did not resolve";
    case errc::file_truncated: return "file range extends past the end of the file";
    case errc::truncated_frame: return "stream ended inside a frame";
    }
    return "unknown network error " + std::to_string(v);
  }
};
} // namespace

const std::error_category& network_category() noexcept {
  static const category instance;
  return instance;
}

} // namespace gregor::network
