#pragma once
// Clients from before KIP-588 do not know PRODUCER_FENCED (90): Kafka answers them
// INVALID_PRODUCER_EPOCH (47), which they treat the same way (a fatal fence). `first_version` is
// the first version of the API whose clients know 90.

#include <cstdint>

#include "gregor/protocol/error_code.h"

namespace gregor::server {

inline protocol::error_code fenced_for_version(protocol::error_code e, int16_t version, int16_t first_version) {
  if (e == protocol::error_code::producer_fenced && version < first_version) {
    return protocol::error_code::invalid_producer_epoch;
  }
  return e;
}

} // namespace gregor::server
