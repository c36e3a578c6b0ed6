// Streams written by Debian's gzip, zstd and lz4 command-line tools, generated at test time in a
// temporary directory (skipped when a tool is missing).

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "gregor/compression/compress.h"
#include "test_data.h"

namespace gregor::compression {
namespace {

namespace fs = std::filesystem;

class system_tools : public ::testing::Test {
protected:
  void SetUp() override {
    _dir = fs::temp_directory_path() / ("gregor-compression-" + std::to_string(::getpid()));
    fs::create_directories(_dir);
    _input = testing::compressible_bytes(300000);
    bytes noise = testing::random_bytes(70000);
    _input.insert(_input.end(), noise.begin(), noise.end());
    std::ofstream(_dir / "in", std::ios::binary)
        .write(reinterpret_cast<const char*>(_input.data()), static_cast<std::streamsize>(_input.size()));
  }
  void TearDown() override { fs::remove_all(_dir); }

  static bool have(const std::string& tool) {
    return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
  }

  // Runs `command` in the temp dir (input file "in"), returns the bytes it wrote to "out".
  bytes run(const std::string& command) {
    std::string full = "cd '" + _dir.string() + "' && " + command + " > out 2>/dev/null";
    EXPECT_EQ(std::system(full.c_str()), 0) << full;
    std::ifstream f(_dir / "out", std::ios::binary);
    return bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }

  void expect_decodes(codec c, const bytes& stream) {
    ASSERT_FALSE(stream.empty());
    auto out = decompress(c, stream, _input.size());
    ASSERT_TRUE(out) << codec_name(c) << ": " << out.error().message();
    EXPECT_EQ(*out, _input);
    auto small = decompress(c, stream, _input.size() - 1);
    ASSERT_FALSE(small);
    EXPECT_EQ(small.error(), errc::too_large);
  }

  fs::path _dir;
  bytes _input;
};

TEST_F(system_tools, gzip_cli) {
  if (!have("gzip")) GTEST_SKIP() << "gzip not installed";
  expect_decodes(codec::gzip, run("gzip -c in"));
  expect_decodes(codec::gzip, run("gzip -9 -c in"));
  expect_decodes(codec::gzip, run("cat in | gzip -1 -c"));
}

TEST_F(system_tools, zstd_cli) {
  if (!have("zstd")) GTEST_SKIP() << "zstd not installed";
  expect_decodes(codec::zstd, run("zstd -q -c in"));         // content size in the header
  expect_decodes(codec::zstd, run("cat in | zstd -q -c"));   // streamed: size unknown
  expect_decodes(codec::zstd, run("zstd -q -19 --check -c in"));
}

TEST_F(system_tools, lz4_cli) {
  if (!have("lz4")) GTEST_SKIP() << "lz4 not installed";
  expect_decodes(codec::lz4, run("lz4 -q -c in"));              // 4 MiB blocks, content checksum
  expect_decodes(codec::lz4, run("lz4 -q -B4 -BD -c in"));       // 64 KiB linked blocks
  expect_decodes(codec::lz4, run("lz4 -q -B4 -BX --content-size -c in"));  // block checksums
}

TEST_F(system_tools, our_streams_decode_with_the_cli_tools) {
  // The other direction: what we write is standard enough for the reference tools.
  struct tool { codec c; const char* cmd; };
  for (auto [c, cmd] : {tool{codec::gzip, "gzip -d -c in.z"}, tool{codec::zstd, "zstd -q -d -c in.z"},
                        tool{codec::lz4, "lz4 -q -d -c in.z"}}) {
    if (!have(std::string(cmd).substr(0, std::string(cmd).find(' ')))) continue;
    auto z = compress(c, _input);
    ASSERT_TRUE(z);
    std::ofstream(_dir / "in.z", std::ios::binary)
        .write(reinterpret_cast<const char*>(z->data()), static_cast<std::streamsize>(z->size()));
    EXPECT_EQ(run(cmd), _input) << codec_name(c);
  }
}

} // namespace
} // namespace gregor::compression
