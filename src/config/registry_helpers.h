#pragma once
// Private: terse constructors for the registry tables.

#include <initializer_list>
#include <string_view>

#include "gregor/config/config_def.h"

namespace gregor::config::registry_helpers {

inline constexpr config_type BOOL = config_type::boolean;
inline constexpr config_type SHORT = config_type::short_int;
inline constexpr config_type INT = config_type::int_;
inline constexpr config_type LONG = config_type::long_int;
inline constexpr config_type DBL = config_type::double_;
inline constexpr config_type STR = config_type::string;
inline constexpr config_type LIST = config_type::list;
inline constexpr config_type PASS = config_type::password;
inline constexpr config_type CLASS = config_type::class_name;

inline constexpr unsigned ACT = 1;  // Gregor reads the key
inline constexpr unsigned DYN = 2;  // dynamically updatable in Kafka

inline config_validator none() { return {}; }
inline config_validator at_least(double min) {
  config_validator v;
  v.k = config_validator::kind::range;
  v.min = min;
  return v;
}
inline config_validator between(double min, double max) {
  config_validator v = at_least(min);
  v.max = max;
  return v;
}
inline config_validator one_of(std::initializer_list<std::string_view> allowed) {
  config_validator v;
  v.k = config_validator::kind::one_of;
  v.allowed = allowed;
  return v;
}
inline config_validator each_one_of(std::initializer_list<std::string_view> allowed) {
  config_validator v = one_of(allowed);
  v.k = config_validator::kind::each_one_of;
  return v;
}
inline config_validator throttled_replicas() {
  config_validator v;
  v.k = config_validator::kind::throttled_replicas;
  return v;
}

// `dflt` nullptr = Kafka's null default.
inline config_def d(std::string_view name, config_type type, const char* dflt, config_validator val, unsigned flags) {
  config_def def;
  def.name = name;
  def.type = type;
  if (dflt) def.default_value = std::string_view(dflt);
  def.validator = std::move(val);
  def.acted_on = (flags & ACT) != 0;
  def.dynamic = (flags & DYN) != 0;
  return def;
}

}  // namespace gregor::config::registry_helpers
