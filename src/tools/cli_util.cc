#include "cli_util.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <ostream>

#include <CLI/CLI.hpp>

namespace gregor::tools {

bool parse_command_line(CLI::App& app, int argc, char** argv, std::ostream& out, std::ostream& err, int& exit_code) {
  app.set_version_flag("--version", "gregor 0.1.0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    exit_code = app.exit(e, out, err) == 0 ? 0 : 1;
    return false;
  }
  return true;
}

std::nullopt_t usage_error(std::ostream& err, int& exit_code, const std::string& message) {
  err << message << "\n" << "Run with --help for the list of options.\n";
  exit_code = 1;
  return std::nullopt;
}

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}
} // namespace

std::optional<std::map<std::string, std::string>> parse_key_values(const std::vector<std::string>& entries,
                                                                   std::string* bad) {
  std::map<std::string, std::string> out;
  for (const auto& e : entries) {
    auto eq = e.find('=');
    if (eq == std::string::npos || eq == 0) {
      if (bad != nullptr) *bad = e;
      return std::nullopt;
    }
    out[e.substr(0, eq)] = e.substr(eq + 1);
  }
  return out;
}

std::optional<std::map<std::string, std::string>> read_properties_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::map<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    auto t = trim(line);
    if (t.empty() || t.front() == '#' || t.front() == '!') continue;
    auto sep = t.find_first_of("=:");
    if (sep == std::string_view::npos) {
      out[std::string(t)] = "";
      continue;
    }
    out[std::string(trim(t.substr(0, sep)))] = std::string(trim(t.substr(sep + 1)));
  }
  return out;
}

std::regex topic_include_regex(std::string_view pattern) {
  std::string p;
  for (char c : trim(pattern)) {
    if (c == ' ') continue;
    p.push_back(c == ',' ? '|' : c);
  }
  return std::regex(p, std::regex::ECMAScript);
}

bool matches(const std::regex& re, const std::string& topic) { return std::regex_match(topic, re); }

std::optional<int64_t> parse_int64(std::string_view s) {
  s = trim(s);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<int32_t> parse_int32(std::string_view s) {
  auto v = parse_int64(s);
  if (!v || *v < INT32_MIN || *v > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(*v);
}

bool parse_bool(std::string_view s) {
  s = trim(s);
  if (s.size() != 4) return false;
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower == "true";
}

std::vector<std::string> expand_bare_codec_flag(int argc, char** argv) {
  std::vector<std::string> out;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    out.push_back(a);
    if (a == "--compression-codec") {
      bool has_value = i + 1 < argc && std::string_view(argv[i + 1]).substr(0, 2) != "--";
      if (!has_value) out.emplace_back("gzip");
    }
  }
  return out;
}

std::optional<std::map<int32_t, std::vector<int32_t>>> parse_replica_assignment(std::string_view text) {
  std::map<int32_t, std::vector<int32_t>> out;
  int32_t partition = 0;
  text = trim(text);
  if (text.empty()) return std::nullopt;
  while (true) {
    auto comma = text.find(',');
    auto entry = trim(text.substr(0, comma));
    std::vector<int32_t> replicas;
    while (true) {
      auto colon = entry.find(':');
      auto id = parse_int32(entry.substr(0, colon));
      if (!id) return std::nullopt;
      replicas.push_back(*id);
      if (colon == std::string_view::npos) break;
      entry = entry.substr(colon + 1);
    }
    out[partition++] = std::move(replicas);
    if (comma == std::string_view::npos) break;
    text = text.substr(comma + 1);
  }
  return out;
}

std::string join_ids(const std::vector<int32_t>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i]);
  }
  return out;
}

} // namespace gregor::tools
