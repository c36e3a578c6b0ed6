#include "gregor/protocol/api.h"

namespace gregor::protocol {

namespace {
bool is_flexible(const api_descriptor& api, int16_t version) {
  return api.first_flexible_version >= 0 && version >= api.first_flexible_version;
}
} // namespace

int16_t request_header_version(int16_t key, int16_t version) {
  if (key == static_cast<int16_t>(api_key::controlled_shutdown) && version == 0) return 0;
  const api_descriptor* api = find_api(key);
  if (api == nullptr) return 1;
  return is_flexible(*api, version) ? 2 : 1;
}

int16_t response_header_version(int16_t key, int16_t version) {
  // ApiVersions answers with header v0 at every version so that a client that does not yet know
  // the broker's range can always parse the reply.
  if (key == static_cast<int16_t>(api_key::api_versions)) return 0;
  const api_descriptor* api = find_api(key);
  if (api == nullptr) return 0;
  return is_flexible(*api, version) ? 1 : 0;
}

} // namespace gregor::protocol
