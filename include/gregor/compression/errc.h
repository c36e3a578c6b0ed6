#pragma once
// Errors of the compression module, as std::error_code values.

#include <system_error>

namespace gregor::compression {

enum class errc {
  corrupt = 1,  // input is not a valid stream of the codec (bad magic, checksum, truncation...)
  too_large,    // output would exceed the caller's max_output (compression bomb or oversized data)
  unsupported,  // codec not known, or a stream feature we do not implement (e.g. lz4 dictionaries)
};

const std::error_category& error_category();
std::error_code make_error_code(errc e);

} // namespace gregor::compression

template <>
struct std::is_error_code_enum<gregor::compression::errc> : std::true_type {};
