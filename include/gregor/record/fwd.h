#pragma once
// Forward declarations for headers that only pass record types around.

namespace gregor::record {
struct batch_header;
struct batch_info;
struct validation_limits;
struct header;
struct record;
class batch_builder;
enum class batch_errc;
} // namespace gregor::record
