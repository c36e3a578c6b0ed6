#pragma once
// Compression codec identifiers as they appear on the wire (bits 0-2 of a batch's attributes) and
// in configuration (`compression.type`). Pure values; thread-safe.

#include <cstdint>
#include <optional>
#include <string_view>

namespace gregor::compression {

// Numbers are protocol (WIRE-PROTOCOL-NOTES §6, §8): never renumber.
enum class codec : uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

// The codec with wire id `id`, or nullopt if `id` names none (5, 6, 7, negative...).
std::optional<codec> codec_from_id(int id);

// "none", "gzip", "snappy", "lz4", "zstd". The view points at static storage.
std::string_view codec_name(codec c);

// Inverse of codec_name; also accepts "uncompressed" for none. Case-sensitive, as Kafka's
// configuration is.
std::optional<codec> parse_codec_name(std::string_view name);

} // namespace gregor::compression
