#include "gregor/common/crc32c.h"

#include <boost/crc.hpp>
#include <cstring>
#include <zlib.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#endif

namespace gregor {
namespace {

using crc32c_engine = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t crc32c_sse42(bytes_view data, uint32_t crc) {
  uint64_t c = ~crc;
  const uint8_t* p = data.data();
  size_t n = data.size();
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<uint32_t>(c);
  while (n-- > 0) c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}

bool cpu_has_sse42() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return false;
  return (ecx & bit_SSE4_2) != 0;
}
#endif

} // namespace

uint32_t crc32c_portable(bytes_view data, uint32_t crc) {
  // Boost's engine keeps the reflected, pre-inverted register; seed it from the previous result.
  crc32c_engine engine(~crc);
  engine.process_bytes(data.data(), data.size());
  return engine.checksum();
}

uint32_t crc32c(bytes_view data, uint32_t crc) {
#if defined(__x86_64__)
  static const bool hardware = cpu_has_sse42();
  if (hardware) return crc32c_sse42(data, crc);
#endif
  return crc32c_portable(data, crc);
}

uint32_t crc32_ieee(bytes_view data, uint32_t crc) {
  // zlib takes lengths as uInt; feed large inputs in pieces.
  uLong c = crc;
  const uint8_t* p = data.data();
  size_t n = data.size();
  while (n > 0) {
    auto piece = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    c = ::crc32(c, p, piece);
    p += piece;
    n -= piece;
  }
  return static_cast<uint32_t>(c);
}

} // namespace gregor
