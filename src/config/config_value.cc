#include "config_value.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace gregor::config {

std::string_view type_name(config_type t) {
  switch (t) {
    case config_type::boolean: return "BOOLEAN";
    case config_type::short_int: return "SHORT";
    case config_type::int_: return "INT";
    case config_type::long_int: return "LONG";
    case config_type::double_: return "DOUBLE";
    case config_type::string: return "STRING";
    case config_type::list: return "LIST";
    case config_type::password: return "PASSWORD";
    case config_type::class_name: return "CLASS";
  }
  return "UNKNOWN";
}

std::string_view trim_java(std::string_view s) {
  auto blank = [](char c) { return static_cast<unsigned char>(c) <= 0x20; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

namespace {

std::string invalid(const config_def& def, std::string_view value, std::string_view why) {
  std::string m = "Invalid value ";
  m.append(value).append(" for configuration ").append(def.name);
  if (!why.empty()) m.append(": ").append(why);
  return m;
}

// Java's Integer/Long/Short.parseInt: optional sign, decimal digits only, no overflow.
std::optional<int64_t> parse_integer(std::string_view s, int64_t lo, int64_t hi) {
  if (s.empty()) return std::nullopt;
  bool negative = false;
  if (s.front() == '+' || s.front() == '-') {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  // Accumulate as a negative number so that the minimum value parses.
  int64_t acc = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    int digit = c - '0';
    if (acc < (std::numeric_limits<int64_t>::min() + digit) / 10) return std::nullopt;
    acc = acc * 10 - digit;
  }
  if (!negative) {
    if (acc == std::numeric_limits<int64_t>::min()) return std::nullopt;
    acc = -acc;
  }
  if (acc < lo || acc > hi) return std::nullopt;
  return acc;
}

std::optional<double> parse_double(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  // Java also takes a trailing type suffix (1.5d, 2f).
  if (!s.empty() && (s.back() == 'd' || s.back() == 'D' || s.back() == 'f' || s.back() == 'F')) s.remove_suffix(1);
  if (s == "Infinity") return std::numeric_limits<double>::infinity();
  if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d, std::chars_format::general);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return d;
}

std::string bound_text(double b) {
  if (std::floor(b) == b && std::fabs(b) < 9.0e15) return std::to_string(static_cast<int64_t>(b));
  return java_double_text(b);
}

std::string join(const std::vector<std::string_view>& v, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out.append(sep);
    out.append(v[i]);
  }
  return out;
}

bool allowed(const config_validator& val, std::string_view s) {
  for (std::string_view a : val.allowed) {
    if (a == s) return true;
    if (val.case_insensitive && a.size() == s.size()) {
      bool eq = true;
      for (std::size_t i = 0; i < a.size() && eq; ++i) {
        eq = std::tolower(static_cast<unsigned char>(a[i])) == std::tolower(static_cast<unsigned char>(s[i]));
      }
      if (eq) return true;
    }
  }
  return false;
}

// "*" or "p:b,p:b" with non-negative integers (blanks around items allowed).
bool throttled_replicas_ok(const std::vector<std::string>& items) {
  if (items.size() == 1 && items[0] == "*") return true;
  for (const std::string& item : items) {
    std::string_view s = item;
    auto colon = s.find(':');
    if (colon == std::string_view::npos) return false;
    auto p = parse_integer(trim_java(s.substr(0, colon)), 0, std::numeric_limits<int32_t>::max());
    auto b = parse_integer(trim_java(s.substr(colon + 1)), 0, std::numeric_limits<int32_t>::max());
    if (!p || !b) return false;
  }
  return true;
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  // Kafka splits on "\s*,\s*" keeping empty trailing items.
  std::size_t start = 0;
  for (;;) {
    std::size_t comma = s.find(',', start);
    std::string_view item = s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    out.emplace_back(trim_java(item));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::optional<std::string> validate(const config_def& def, std::string_view shown, const config_value& v) {
  const config_validator& val = def.validator;
  switch (val.k) {
    case config_validator::kind::none: return std::nullopt;
    case config_validator::kind::range: {
      double d = 0;
      if (auto* i = std::get_if<int64_t>(&v)) d = static_cast<double>(*i);
      else if (auto* f = std::get_if<double>(&v)) d = *f;
      else return std::nullopt;
      if (val.min && d < *val.min) return invalid(def, shown, "Value must be at least " + bound_text(*val.min));
      if (val.max && d > *val.max) return invalid(def, shown, "Value must be no more than " + bound_text(*val.max));
      return std::nullopt;
    }
    case config_validator::kind::one_of: {
      auto* s = std::get_if<std::string>(&v);
      if (s && !allowed(val, *s)) return invalid(def, shown, "String must be one of: " + join(val.allowed, ", "));
      return std::nullopt;
    }
    case config_validator::kind::each_one_of: {
      auto* l = std::get_if<std::vector<std::string>>(&v);
      if (!l) return std::nullopt;
      for (const std::string& item : *l) {
        if (!allowed(val, item)) return invalid(def, item, "String must be one of: " + join(val.allowed, ", "));
      }
      return std::nullopt;
    }
    case config_validator::kind::non_empty_list: {
      auto* l = std::get_if<std::vector<std::string>>(&v);
      if (l && l->empty()) return invalid(def, shown, "Empty list");
      return std::nullopt;
    }
    case config_validator::kind::throttled_replicas: {
      auto* l = std::get_if<std::vector<std::string>>(&v);
      if (l && !throttled_replicas_ok(*l)) {
        return invalid(def, shown,
                       "must be the literal '*' or a list of replicas in the following format: "
                       "[partitionId]:[brokerId],[partitionId]:[brokerId],...");
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> parse_value(const config_def& def, std::string_view raw, config_value& out) {
  std::string_view s = trim_java(raw);
  switch (def.type) {
    case config_type::boolean: {
      auto lower = [](std::string_view x) {
        std::string r(x);
        for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return r;
      };
      std::string l = lower(s);
      if (l == "true") out = true;
      else if (l == "false") out = false;
      else return invalid(def, s, "Expected value to be either true or false");
      break;
    }
    case config_type::short_int:
    case config_type::int_:
    case config_type::long_int: {
      int64_t lo = std::numeric_limits<int64_t>::min();
      int64_t hi = std::numeric_limits<int64_t>::max();
      if (def.type == config_type::short_int) {
        lo = std::numeric_limits<int16_t>::min();
        hi = std::numeric_limits<int16_t>::max();
      } else if (def.type == config_type::int_) {
        lo = std::numeric_limits<int32_t>::min();
        hi = std::numeric_limits<int32_t>::max();
      }
      auto n = parse_integer(s, lo, hi);
      if (!n) return invalid(def, s, std::string("Not a number of type ").append(type_name(def.type)));
      out = *n;
      break;
    }
    case config_type::double_: {
      auto d = parse_double(s);
      if (!d) return invalid(def, s, "Not a number of type DOUBLE");
      out = *d;
      break;
    }
    case config_type::string:
    case config_type::password:
      out = std::string(s);
      break;
    case config_type::class_name: {
      // Gregor loads no Java classes; a class name must at least look like one.
      bool ok = !s.empty();
      for (char c : s) {
        ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '$');
      }
      if (!ok) return invalid(def, s, "Expected a class name");
      out = std::string(s);
      break;
    }
    case config_type::list:
      out = split_list(s);
      break;
  }
  // Passwords are never echoed back in messages.
  std::string_view shown = def.type == config_type::password ? std::string_view("[hidden]") : s;
  return validate(def, shown, out);
}

std::string java_double_text(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  double a = std::fabs(d);
  char buf[64];
  if (a >= 1e-3 && a < 1e7) {
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
    std::string s(buf, p);
    if (s.find('.') == std::string::npos) s += ".0";
    return s;
  }
  // Scientific: shortest mantissa, Java style "1.2345E-5".
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string s(buf, p);
  auto e = s.find('e');
  std::string mant = s.substr(0, e);
  int exp = std::stoi(s.substr(e + 1));
  if (mant.find('.') == std::string::npos) mant += ".0";
  return mant + "E" + std::to_string(exp);
}

std::optional<std::string> format_value(config_type type, const config_value& v) {
  (void)type;
  if (std::holds_alternative<std::monostate>(v)) return std::nullopt;
  if (auto* b = std::get_if<bool>(&v)) return std::string(*b ? "true" : "false");
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) return java_double_text(*d);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  const auto& l = std::get<std::vector<std::string>>(v);
  std::string out;
  for (std::size_t i = 0; i < l.size(); ++i) {
    if (i) out.push_back(',');
    out.append(l[i]);
  }
  return out;
}

std::optional<std::string> check_value(const config_def& def, std::string_view raw) {
  config_value v;
  return parse_value(def, raw, v);
}

std::string canonical_value(const config_def& def, std::string_view raw) {
  config_value v;
  if (parse_value(def, raw, v)) return std::string(trim_java(raw));
  return format_value(def.type, v).value_or("");
}

}  // namespace gregor::config
