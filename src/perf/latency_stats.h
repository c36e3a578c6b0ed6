#pragma once
// Running statistics of a producer benchmark, printed in the layout of Kafka's
// kafka-producer-perf-test.sh: a line per reporting window and a total line with percentiles.
//
// Not thread-safe: the producer tool records from librdkafka's delivery-report callback, which
// runs inside rd_kafka_poll() on the tool's only application thread.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace gregor::perf {

class latency_stats {
public:
  using clock = std::chrono::steady_clock;

  // Keeps at most max_samples latencies for the percentiles (every k-th record, k chosen from
  // expected_records, as Kafka does), so memory is bounded whatever the record count.
  latency_stats(int64_t expected_records, clock::time_point start, std::chrono::milliseconds window,
                int64_t max_samples = 500000);

  // One acknowledged record: its latency and payload size. Prints and restarts the window when
  // it is older than the reporting interval.
  void record(std::chrono::microseconds latency, int64_t bytes, clock::time_point now, std::FILE* out);

  // "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency." (window)
  void print_window(clock::time_point now, std::FILE* out) const;
  // The total line with the 50th, 95th, 99th and 99.9th percentiles (whole milliseconds).
  void print_total(clock::time_point now, std::FILE* out) const;

  int64_t count() const { return _count; }
  int64_t bytes() const { return _bytes; }

  // Percentile p (0..1) of the sampled latencies in milliseconds, rounded down as Kafka's
  // integer-millisecond figures are; 0 when nothing was sampled.
  int64_t percentile_ms(double p) const;

private:
  void new_window(clock::time_point now);

  clock::time_point _start;
  std::chrono::milliseconds _window_length;
  int64_t _sampling;
  std::vector<int64_t> _samples_us;
  int64_t _iteration = 0;

  int64_t _count = 0;
  int64_t _bytes = 0;
  int64_t _total_latency_us = 0;
  int64_t _max_latency_us = 0;

  clock::time_point _window_start;
  int64_t _window_count = 0;
  int64_t _window_bytes = 0;
  int64_t _window_total_latency_us = 0;
  int64_t _window_max_latency_us = 0;
};

} // namespace gregor::perf
