#pragma once
// One request to one particular broker on a fresh connection, for the tools that must reach a
// given broker rather than let the client pick one (gregor-log-dirs asks every broker,
// gregor-delete-records each leader, gregor-transactions a coordinator or leader). The request
// goes out at `version` with correlation id 1 and the tool's client id; the answer is decoded at
// the same version. Connecting and the answer each wait up to the client's request timeout.

#include <cstdint>
#include <string>
#include <system_error>

#include "gregor/client/cluster_metadata.h"
#include "gregor/common/bytes.h"
#include "gregor/common/iobuf.h"
#include "gregor/common/result.h"
#include "gregor/protocol/framing.h"

namespace gregor::client {
class sync_client;
}

namespace gregor::tools {

// Sends the request frame `frame` to `broker` on a fresh connection (run by `c`) and returns the
// response frame: the connection's errors (refused, timed out, ...) as they are.
result<shared_bytes> round_trip(client::sync_client& c, const client::broker_info& broker, iobuf frame);

// `req` to `broker` at `version`, its answer decoded; errc::bad_message when the answer does not
// decode or belongs to another request.
template <class Resp, class Req>
result<Resp> call(client::sync_client& c, const client::broker_info& broker, int16_t version, const Req& req,
                  const std::string& client_id) {
  protocol::request_header h;
  h.api_key = Req::api_key_value;
  h.api_version = version;
  h.correlation_id = 1;
  h.client_id = client_id;
  auto raw = round_trip(c, broker, protocol::encode_request_frame(h, req));
  if (!raw) return unexpected(raw.error());
  protocol::reader r(*raw);
  int32_t correlation = 0;
  Resp resp;
  if (!protocol::decode_response_header(r, h.api_key, version, correlation) || correlation != h.correlation_id ||
      !resp.decode(r, version)) {
    return unexpected(std::make_error_code(std::errc::bad_message));
  }
  return resp;
}

} // namespace gregor::tools
