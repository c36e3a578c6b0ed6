#pragma once
// Helpers shared by the config tests.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>

#include "gregor/config/broker_config.h"

namespace gregor::config::test {

// A map with the one required key filled in.
inline std::map<std::string, std::string> base(std::map<std::string, std::string> extra = {}) {
  extra.emplace("zookeeper.connect", "127.0.0.1:2181");
  return extra;
}

// The config_error message from_map throws, or "" when it does not throw.
inline std::string load_error(const std::map<std::string, std::string>& m) {
  try {
    broker_config::from_map(m);
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

// A fresh directory under the system temp dir, removed on destruction.
class temp_dir {
public:
  temp_dir() {
    std::random_device rd;
    _path = std::filesystem::temp_directory_path() / ("gregor-config-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(_path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(_path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  std::filesystem::path write(const std::string& name, const std::string& text) const {
    auto p = _path / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  const std::filesystem::path& path() const { return _path; }

private:
  std::filesystem::path _path;
};

}  // namespace gregor::config::test
