// libFuzzer target: bytes read back from __consumer_offsets (a key, or a value of either record
// type) through the decoders the coordinator replays its partitions with. A value that decodes
// must survive encode -> decode unchanged (the encoder writes v3, or v1 with an expire timestamp).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "gregor/coordinator/offsets_records.h"

using namespace gregor;
using namespace gregor::group;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const bytes_view in(data, size);
  (void)decode_key(in);
  if (auto o = decode_offset_commit_value(in)) {
    auto again = decode_offset_commit_value(encode_offset_commit_value(*o));
    if (!again || !(*again == *o)) std::abort();
  }
  if (auto g = decode_group_metadata_value(in)) {
    auto again = decode_group_metadata_value(encode_group_metadata_value(*g));
    if (!again || !(*again == *g)) std::abort();
  }
  offsets_replay replay;
  replay.apply(in, in);
  return 0;
}
