// The log files a broker writes with LOG_DIR set: Kafka's file names and layout, hourly rolling with
// a bound on the rolled files, and concurrent use. enable_log_files changes process-wide state, so
// this is its own test binary and only one test calls it.

#include "gregor/common/logger.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "hourly_file_sink.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using gregor::detail::hourly_file_sink;

class temp_dir {
public:
  temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "gregor-logger-XXXXXX").string();
    _path = mkdtemp(pattern.data());
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(_path, ec);
  }
  const fs::path& path() const { return _path; }

private:
  fs::path _path;
};

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines(const fs::path& p) {
  std::vector<std::string> out;
  std::istringstream in(read(p));
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Half past the local hour `hours` hours from now (negative: in the past).
std::chrono::system_clock::time_point mid_hour(int hours) {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&t, &tm);
  tm.tm_hour += hours;
  tm.tm_min = 30;
  tm.tm_sec = 0;
  tm.tm_isdst = -1;
  return std::chrono::system_clock::from_time_t(std::mktime(&tm));
}

std::string current_hour() { return hourly_file_sink::hour_suffix(std::chrono::system_clock::now()); }

void log_at(hourly_file_sink& sink, std::chrono::system_clock::time_point t, const std::string& text) {
  spdlog::details::log_msg msg(t, spdlog::source_loc{}, "test", spdlog::level::info, text);
  sink.log(msg);
}

std::vector<std::string> rolled_names(const fs::path& dir, const std::string& base) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (name.rfind(base + ".", 0) == 0) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(hourly_file_sink, rolls_at_the_first_line_of_a_new_hour_naming_the_file_after_the_hour_it_covers) {
  temp_dir dir;
  auto path = dir.path() / "server.log";
  auto opened_in = current_hour();
  hourly_file_sink sink(path, 10);
  if (current_hour() != opened_in) GTEST_SKIP() << "the hour changed while the test ran";
  sink.set_pattern("%v");
  log_at(sink, mid_hour(-100), "clock went back");  // an earlier time never rolls
  log_at(sink, mid_hour(2), "a");
  log_at(sink, mid_hour(2) + 1min, "b");
  log_at(sink, mid_hour(3), "c");

  auto rolled_now = "server.log." + opened_in;
  auto rolled_2 = "server.log." + hourly_file_sink::hour_suffix(mid_hour(2));
  EXPECT_EQ(rolled_names(dir.path(), "server.log"), (std::vector<std::string>{rolled_now, rolled_2}));
  EXPECT_EQ(lines(dir.path() / rolled_now), std::vector<std::string>{"clock went back"});
  EXPECT_EQ(lines(dir.path() / rolled_2), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(lines(path), std::vector<std::string>{"c"});
}

TEST(hourly_file_sink, a_file_left_from_an_earlier_hour_is_rolled_under_that_hour) {
  temp_dir dir;
  auto path = dir.path() / "controller.log";
  std::ofstream(path) << "old line\n";
  auto old = mid_hour(-100);
  fs::last_write_time(path, std::chrono::file_clock::from_sys(old));
  hourly_file_sink sink(path, 10);
  sink.set_pattern("%v");
  log_at(sink, std::chrono::system_clock::now(), "new line");
  auto rolled = "controller.log." + hourly_file_sink::hour_suffix(old);
  EXPECT_EQ(rolled_names(dir.path(), "controller.log"), std::vector<std::string>{rolled});
  EXPECT_EQ(lines(dir.path() / rolled), std::vector<std::string>{"old line"});
  EXPECT_EQ(lines(path), std::vector<std::string>{"new line"});
}

TEST(hourly_file_sink, keeps_only_the_newest_rolled_files) {
  temp_dir dir;
  auto path = dir.path() / "server.log";
  // Unrelated files beside the logs are never touched.
  std::ofstream(dir.path() / "server.log.keep-me") << "x";
  std::ofstream(dir.path() / "gregorServer.out") << "x";
  std::vector<std::chrono::system_clock::time_point> hours;
  for (int h = 0; h <= 6; ++h) hours.push_back(mid_hour(h));
  {
    hourly_file_sink sink(path, 3);
    sink.set_pattern("%v");
    for (int h = 1; h <= 6; ++h) log_at(sink, hours[h], "hour " + std::to_string(h));
  }
  // Six lines in six later hours: six rolls (the first one rolls the empty file of the current
  // hour). The three newest rolled files stay; server.log holds the last hour.
  std::vector<std::string> expected;
  for (int h = 3; h <= 5; ++h) expected.push_back("server.log." + hourly_file_sink::hour_suffix(hours[h]));
  expected.push_back("server.log.keep-me");
  EXPECT_EQ(rolled_names(dir.path(), "server.log"), expected);
  EXPECT_EQ(lines(dir.path() / expected[0]), std::vector<std::string>{"hour 3"});
  EXPECT_EQ(lines(path), std::vector<std::string>{"hour 6"});
  EXPECT_TRUE(fs::exists(dir.path() / "gregorServer.out"));
}

TEST(hourly_file_sink, an_unopenable_file_is_refused_at_construction) {
  temp_dir dir;
  EXPECT_THROW(hourly_file_sink(dir.path() / "missing" / "server.log", 3), std::runtime_error);
}

// The only test that calls enable_log_files (process-wide).
TEST(logger, log_files_follow_kafkas_names_and_layout_and_take_lines_from_many_threads) {
  temp_dir dir;
  auto early = gregor::get_logger("test.early");  // made before the files exist: gets server.log too
  auto logs = dir.path() / "logs";
  gregor::enable_log_files(logs.string());
  EXPECT_THROW(gregor::enable_log_files(logs.string()), std::runtime_error);

  early->info("early logger line");
  gregor::get_logger("controller")->info("broker 0 is the controller (epoch 1)");
  gregor::get_logger("state.change.logger")->warn("partition t-0 state change");
  gregor::get_logger("log.cleaner")->error("cleaner line");
  gregor::get_logger("broker")->info("started (listeners PLAINTEXT://127.0.0.1:9092)");
  gregor::get_logger("broker")->debug("not at info level");

  const std::regex layout(R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] (INFO|WARN|ERROR) .* \(\S+\))");
  auto server = lines(logs / "server.log");
  ASSERT_EQ(server.size(), 2u) << read(logs / "server.log");
  EXPECT_TRUE(std::regex_match(server[0], layout)) << server[0];
  EXPECT_NE(server[0].find("] INFO early logger line (test.early)"), std::string::npos) << server[0];
  EXPECT_NE(server[1].find("] INFO started (listeners PLAINTEXT://127.0.0.1:9092) (broker)"), std::string::npos);

  auto controller = lines(logs / "controller.log");
  ASSERT_EQ(controller.size(), 1u);
  EXPECT_TRUE(std::regex_match(controller[0], layout)) << controller[0];
  EXPECT_NE(controller[0].find("] INFO broker 0 is the controller (epoch 1) (controller)"), std::string::npos);
  auto state_change = lines(logs / "state-change.log");
  ASSERT_EQ(state_change.size(), 1u);
  EXPECT_NE(state_change[0].find("] WARN partition t-0 state change (state.change.logger)"), std::string::npos);
  auto cleaner = lines(logs / "log-cleaner.log");
  ASSERT_EQ(cleaner.size(), 1u);
  EXPECT_NE(cleaner[0].find("] ERROR cleaner line (log.cleaner)"), std::string::npos);

  // Many threads creating and using loggers at once: every line arrives whole.
  constexpr int threads = 8, per_thread = 250;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([t] {
      for (int i = 0; i < per_thread; ++i) {
        auto name = (i % 2 == 0) ? std::string("controller") : "worker-" + std::to_string(t % 3);
        gregor::get_logger(name)->info("thread {} line {}", t, i);
      }
    });
  }
  for (auto& w : workers) w.join();
  std::size_t whole = 0;
  for (const auto& line : lines(logs / "controller.log")) whole += std::regex_match(line, layout) ? 1 : 0;
  for (const auto& line : lines(logs / "server.log")) whole += std::regex_match(line, layout) ? 1 : 0;
  EXPECT_EQ(whole, 3u + threads * per_thread);
}

} // namespace
