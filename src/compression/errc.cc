#include "gregor/compression/errc.h"

#include <string>

namespace gregor::compression {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "gregor.compression"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
    case errc::corrupt: return "corrupt compressed data";
    case errc::too_large: return "decompressed data exceeds the allowed size";
    case errc::unsupported: return "unsupported compression codec or stream feature";
    }
    return "unknown compression error " + std::to_string(ev);
  }
};

} // namespace

const std::error_category& error_category() {
  static const category instance;
  return instance;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), error_category()}; }

} // namespace gregor::compression
