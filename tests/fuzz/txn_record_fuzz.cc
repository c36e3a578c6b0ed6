// libFuzzer target: bytes read back from __transaction_state (a key or a value) through the
// decoders the transaction coordinator replays its partitions with. A value that decodes must
// survive encode -> decode unchanged, except that the encoder writes Empty's partitions as null.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "gregor/coordinator/transaction_log_records.h"

using namespace gregor;
using namespace gregor::txn;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const bytes_view in(data, size);
  (void)decode_txn_key(in);
  if (auto v = decode_txn_value(in)) {
    if (v->state == txn_state::empty) v->partitions.clear();
    auto again = decode_txn_value(encode_txn_value(*v));
    if (!again || !(*again == *v)) std::abort();
  }
  txn_replay replay;
  replay.apply(in, in);
  replay.apply(in, std::nullopt);
  return 0;
}
