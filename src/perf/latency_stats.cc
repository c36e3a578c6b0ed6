#include "latency_stats.h"

#include <algorithm>

namespace gregor::perf {

namespace {

constexpr double mib = 1024.0 * 1024.0;

double seconds_between(latency_stats::clock::time_point from, latency_stats::clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

double per_second(double amount, double seconds) { return seconds > 0 ? amount / seconds : 0.0; }

} // namespace

latency_stats::latency_stats(int64_t expected_records, clock::time_point start, std::chrono::milliseconds window,
                             int64_t max_samples)
    : _start(start), _window_length(window), _window_start(start) {
  int64_t expected = std::max<int64_t>(expected_records, 1);
  _sampling = std::max<int64_t>(expected / std::min(expected, std::max<int64_t>(max_samples, 1)), 1);
  _samples_us.reserve(static_cast<size_t>(expected / _sampling + 1));
}

void latency_stats::record(std::chrono::microseconds latency, int64_t bytes, clock::time_point now, std::FILE* out) {
  int64_t us = std::max<int64_t>(latency.count(), 0);
  ++_count;
  _bytes += bytes;
  _total_latency_us += us;
  _max_latency_us = std::max(_max_latency_us, us);
  ++_window_count;
  _window_bytes += bytes;
  _window_total_latency_us += us;
  _window_max_latency_us = std::max(_window_max_latency_us, us);
  if (_iteration % _sampling == 0 && _samples_us.size() < _samples_us.capacity()) _samples_us.push_back(us);
  ++_iteration;
  if (now - _window_start >= _window_length) {
    print_window(now, out);
    new_window(now);
  }
}

void latency_stats::new_window(clock::time_point now) {
  _window_start = now;
  _window_count = 0;
  _window_bytes = 0;
  _window_total_latency_us = 0;
  _window_max_latency_us = 0;
}

void latency_stats::print_window(clock::time_point now, std::FILE* out) const {
  double secs = seconds_between(_window_start, now);
  double avg_ms = _window_count > 0 ? _window_total_latency_us / 1000.0 / static_cast<double>(_window_count) : 0.0;
  std::fprintf(out, "%lld records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.\n",
               static_cast<long long>(_window_count), per_second(static_cast<double>(_window_count), secs),
               per_second(static_cast<double>(_window_bytes) / mib, secs), avg_ms, _window_max_latency_us / 1000.0);
  std::fflush(out);
}

int64_t latency_stats::percentile_ms(double p) const {
  if (_samples_us.empty()) return 0;
  std::vector<int64_t> sorted = _samples_us;
  std::sort(sorted.begin(), sorted.end());
  auto index = static_cast<size_t>(p * static_cast<double>(sorted.size()));
  index = std::min(index, sorted.size() - 1);
  return sorted[index] / 1000;
}

void latency_stats::print_total(clock::time_point now, std::FILE* out) const {
  double secs = seconds_between(_start, now);
  double avg_ms = _count > 0 ? _total_latency_us / 1000.0 / static_cast<double>(_count) : 0.0;
  std::fprintf(out,
               "%lld records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, "
               "%lld ms 50th, %lld ms 95th, %lld ms 99th, %lld ms 99.9th.\n",
               static_cast<long long>(_count), per_second(static_cast<double>(_count), secs),
               per_second(static_cast<double>(_bytes) / mib, secs), avg_ms, _max_latency_us / 1000.0,
               static_cast<long long>(percentile_ms(0.5)), static_cast<long long>(percentile_ms(0.95)),
               static_cast<long long>(percentile_ms(0.99)), static_cast<long long>(percentile_ms(0.999)));
  std::fflush(out);
}

} // namespace gregor::perf
