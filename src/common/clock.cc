#include "gregor/common/clock.h"

#include <chrono>

namespace gregor {
namespace {

class system_clock_impl final : public clock {
public:
  int64_t now_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
  int64_t monotonic_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
  }
};

} // namespace

clock& clock::system() {
  static system_clock_impl instance;
  return instance;
}

} // namespace gregor
