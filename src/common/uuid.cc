#include "gregor/common/uuid.h"

#include <random>

#include "gregor/common/endian.h"

namespace gregor {
namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int decode_char(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

} // namespace

uuid uuid::random() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  for (;;) {
    uuid u = from_parts(rng(), rng());
    u.bytes[6] = (u.bytes[6] & 0x0f) | 0x40;  // version 4
    u.bytes[8] = (u.bytes[8] & 0x3f) | 0x80;  // IETF variant
    // Kafka reserves the zero id ("none") and the id with low bits 1 (metadata topic).
    if (!u.is_zero() && !(u.high() == 0 && u.low() == 1)) return u;
  }
}

uint64_t uuid::high() const { return load_be<uint64_t>(bytes.data()); }
uint64_t uuid::low() const { return load_be<uint64_t>(bytes.data() + 8); }

uuid uuid::from_parts(uint64_t high, uint64_t low) {
  uuid u;
  store_be(u.bytes.data(), high);
  store_be(u.bytes.data() + 8, low);
  return u;
}

bool uuid::is_zero() const {
  for (auto b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

std::string uuid::to_base64url() const {
  std::string out;
  out.reserve(22);
  size_t i = 0;
  for (; i + 3 <= 16; i += 3) {
    uint32_t v = (uint32_t(bytes[i]) << 16) | (uint32_t(bytes[i + 1]) << 8) | bytes[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  uint32_t v = uint32_t(bytes[15]) << 16;  // one byte left over: two characters, no padding
  out += alphabet[(v >> 18) & 63];
  out += alphabet[(v >> 12) & 63];
  return out;
}

std::optional<uuid> uuid::from_base64url(std::string_view text) {
  if (text.size() == 24 && text.substr(22) == "==") text = text.substr(0, 22);
  if (text.size() != 22) return std::nullopt;
  uuid u;
  size_t out = 0;
  for (size_t i = 0; i < 20; i += 4) {
    int a = decode_char(text[i]), b = decode_char(text[i + 1]);
    int c = decode_char(text[i + 2]), d = decode_char(text[i + 3]);
    if (a < 0 || b < 0 || c < 0 || d < 0) return std::nullopt;
    uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6) | uint32_t(d);
    u.bytes[out++] = static_cast<uint8_t>(v >> 16);
    u.bytes[out++] = static_cast<uint8_t>(v >> 8);
    u.bytes[out++] = static_cast<uint8_t>(v);
  }
  int a = decode_char(text[20]), b = decode_char(text[21]);
  if (a < 0 || b < 0 || (b & 0x0f) != 0) return std::nullopt;
  u.bytes[15] = static_cast<uint8_t>((a << 2) | (b >> 4));
  return u;
}

} // namespace gregor
