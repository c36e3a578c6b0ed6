#include "gregor/compression/codec.h"

namespace gregor::compression {

std::optional<codec> codec_from_id(int id) {
  switch (id) {
  case 0: return codec::none;
  case 1: return codec::gzip;
  case 2: return codec::snappy;
  case 3: return codec::lz4;
  case 4: return codec::zstd;
  default: return std::nullopt;
  }
}

std::string_view codec_name(codec c) {
  switch (c) {
  case codec::none: return "none";
  case codec::gzip: return "gzip";
  case codec::snappy: return "snappy";
  case codec::lz4: return "lz4";
  case codec::zstd: return "zstd";
  }
  return "unknown";
}

std::optional<codec> parse_codec_name(std::string_view name) {
  if (name == "none" || name == "uncompressed") return codec::none;
  for (auto c : {codec::gzip, codec::snappy, codec::lz4, codec::zstd}) {
    if (name == codec_name(c)) return c;
  }
  return std::nullopt;
}

} // namespace gregor::compression
