#include "gregor/record/errc.h"

#include <string>

namespace gregor::record {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "gregor.record"; }
  std::string message(int ev) const override {
    switch (static_cast<batch_errc>(ev)) {
    case batch_errc::corrupt_message: return "record batch failed its CRC or is truncated";
    case batch_errc::invalid_record: return "record batch or record is malformed";
    case batch_errc::message_too_large: return "record batch is larger than the maximum message size";
    case batch_errc::unsupported_magic: return "record batch magic is not supported";
    case batch_errc::unsupported_compression: return "record batch uses an unknown compression codec";
    case batch_errc::record_list_too_large: return "record set is larger than the segment size";
    case batch_errc::invalid_timestamp: return "record timestamp is outside the allowed range";
    }
    return "unknown record batch error " + std::to_string(ev);
  }
};

} // namespace

const std::error_category& batch_error_category() {
  static const category instance;
  return instance;
}

std::error_code make_error_code(batch_errc e) { return {static_cast<int>(e), batch_error_category()}; }

} // namespace gregor::record
