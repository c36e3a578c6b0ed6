#include "gregor/config/yaml.h"

#include <set>

#include <yaml-cpp/yaml.h>

#include "gregor/config/config_error.h"

namespace gregor::config {
namespace {

std::string where(const std::string& origin, const YAML::Mark& mark) {
  if (mark.is_null()) return origin;
  return origin + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

struct flattener {
  const std::string& origin;
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string> seen;

  void add(const std::string& key, std::string value, const YAML::Mark& mark) {
    if (!seen.insert(key).second) {
      throw config_error(where(origin, mark) + ": configuration key '" + key + "' is given more than once");
    }
    out.emplace_back(key, std::move(value));
  }

  std::string scalar_text(const YAML::Node& n) { return n.IsNull() ? std::string() : n.Scalar(); }

  void walk(const YAML::Node& map, const std::string& prefix) {
    // yaml-cpp iterators hand out a temporary pair: copy the (reference-counted) nodes.
    for (const auto& kv : map) {
      YAML::Node k = kv.first;
      YAML::Node v = kv.second;
      if (!k.IsScalar()) throw config_error(where(origin, k.Mark()) + ": configuration keys must be scalars");
      std::string key = prefix.empty() ? k.Scalar() : prefix + "." + k.Scalar();
      switch (v.Type()) {
        case YAML::NodeType::Map: walk(v, key); break;
        case YAML::NodeType::Sequence: {
          std::string joined;
          for (std::size_t i = 0; i < v.size(); ++i) {
            YAML::Node item = v[i];
            if (!item.IsScalar() && !item.IsNull()) {
              throw config_error(where(origin, item.Mark()) + ": list items of '" + key + "' must be scalars");
            }
            if (i) joined.push_back(',');
            joined += scalar_text(item);
          }
          add(key, std::move(joined), k.Mark());
          break;
        }
        case YAML::NodeType::Scalar:
        case YAML::NodeType::Null:
        case YAML::NodeType::Undefined: add(key, scalar_text(v), k.Mark()); break;
      }
    }
  }
};

}  // namespace

std::vector<std::pair<std::string, std::string>> flatten_yaml(std::string_view text, const std::string& origin) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (root.IsNull()) return {};
    if (!root.IsMap()) throw config_error(origin + ": the YAML document must be a map of configuration keys");
    flattener f{origin, {}, {}};
    f.walk(root, "");
    return std::move(f.out);
  } catch (const YAML::Exception& e) {
    throw config_error(where(origin, e.mark) + ": " + e.msg);
  }
}

}  // namespace gregor::config
