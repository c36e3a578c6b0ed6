#pragma once
// One-shot compression and bounded decompression of a whole block, in the stream formats Kafka
// clients put inside record batches (WIRE-PROTOCOL-NOTES §8).
//
// Thread-safety: every function is reentrant; no shared state.
// Memory: decompress never holds more than max_output bytes of output (plus a small constant
// for codec scratch), whatever the input claims. It stops as soon as the output would grow past
// max_output and returns errc::too_large, so a compression bomb costs O(max_output) memory and
// O(max_output) time at most.

#include <cstddef>

#include "gregor/common/bytes.h"
#include "gregor/common/result.h"
#include "gregor/compression/codec.h"
#include "gregor/compression/errc.h"

namespace gregor::compression {

// Compresses `input` as one stream:
//  gzip   RFC 1952 stream (one member);
//  snappy xerial framing as the Java client writes it (magic, version 1, min-compatible 1, then
//         blocks of int32 BE length + raw snappy block, each block <= 32 KiB of input);
//  lz4    LZ4 frame, independent 64 KiB blocks, no content checksum, standard header checksum;
//  zstd   one zstd frame with the content size recorded.
// codec::none returns a copy of the input.
result<bytes> compress(codec c, bytes_view input);

// Decompresses `input` (one stream of codec `c`), producing at most `max_output` bytes.
//  gzip   one or more concatenated gzip members;
//  snappy xerial framing (detected by its magic) or one raw snappy block;
//  lz4    LZ4 frame(s);
//  zstd   zstd frame(s).
// codec::none returns a copy (too_large if input.size() > max_output).
// Errors: corrupt, too_large, unsupported.
result<bytes> decompress(codec c, bytes_view input, size_t max_output);

// As above; with lz4_legacy_checksum the lz4 frame-descriptor checksum byte is not verified,
// because Kafka's magic-0 messages compute it over the wrong bytes (KAFKA-3160). Ignored for
// other codecs.
result<bytes> decompress(codec c, bytes_view input, size_t max_output, bool lz4_legacy_checksum);

} // namespace gregor::compression
