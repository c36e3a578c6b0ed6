#pragma once
// Key -> partition, as Kafka's Java producer does it (DefaultPartitioner / BuiltInPartitioner):
// toPositive(murmur2(key)) % partition count. Using the same function keeps keyed records on the
// partitions a Java producer would pick. Pure functions; thread-safe.

#include <cstdint>

#include "gregor/common/bytes.h"

namespace gregor::client {

// Kafka's murmur2 variant (seed 0x9747b28c), returning the signed 32-bit result Java computes.
int32_t murmur2(bytes_view data);

// Partition of a keyed record; `partitions` must be > 0.
int32_t partition_for_key(bytes_view key, int32_t partitions);

} // namespace gregor::client
