// libFuzzer target: one request frame (without its int32 size prefix) through the header and
// body decoders. For a few hot request types a successful decode must also survive
// encode -> decode unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "gregor/protocol/framing.h"
#include "gregor/protocol/messages/api_versions.h"
#include "gregor/protocol/messages/fetch.h"
#include "gregor/protocol/messages/metadata.h"
#include "gregor/protocol/messages/produce.h"

namespace {

using namespace gregor;
using namespace gregor::protocol;

template <class Msg>
void check_round_trip(const shared_bytes& body, int16_t version) {
  reader r(body);
  Msg first;
  if (!first.decode(r, version)) return;
  iobuf out;
  writer w(out);
  first.encode(w, version);
  reader r2(shared_bytes(out.linearize()));
  Msg second;
  if (!second.decode(r2, version) || !(second == first)) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const shared_bytes frame = shared_bytes::copy_of(bytes_view(data, size));
  reader r(frame);
  request_header h;
  if (!decode_request_header(r, h)) return 0;
  const shared_bytes body = frame.slice(r.position(), frame.size() - r.position());
  decode_request_body(h.api_key, h.api_version, r);
  switch (h.api_key) {
    case 0: check_round_trip<produce_request>(body, h.api_version); break;
    case 1: check_round_trip<fetch_request>(body, h.api_version); break;
    case 3: check_round_trip<metadata_request>(body, h.api_version); break;
    case 18: check_round_trip<api_versions_request>(body, h.api_version); break;
    default: break;
  }
  return 0;
}
