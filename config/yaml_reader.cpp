#include "caf_ha/config/yaml_reader.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <yaml-cpp/yaml.h>

#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

/// Deeper nesting than any real config; stops runaway recursion.
constexpr int max_depth = 32;

caf::error malformed(const std::string& name, const std::string& what) {
  return make_error(errc::invalid_config,
                    "malformed config file " + quoted(name) + ": " + what);
}

std::string line_of(const YAML::Node& node) {
  return "line " + std::to_string(node.Mark().line + 1);
}

const char* kind_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Null:
      return "empty";
    default:
      return "a map";
  }
}

/// Walks one map, appending its scalars under `prefix`.
caf::error flatten(const YAML::Node& map, const std::string& prefix,
                   int depth, const std::string& name,
                   std::vector<yaml_entry>& out) {
  if (depth > max_depth)
    return malformed(name, line_of(map) + ": maps nested deeper than "
                             + std::to_string(max_depth) + " levels");
  for (const auto& pair : map) {
    // Copies, not references: yaml-cpp's iterator hands out temporaries.
    YAML::Node key = pair.first;
    YAML::Node value = pair.second;
    if (!key.IsScalar() || key.Scalar().empty())
      return malformed(name, line_of(key) + ": expected a key name, got "
                               + kind_name(key));
    yaml_entry entry{prefix + key.Scalar(), {}, {}, key.Mark().line + 1};
    if (value.IsMap()) {
      if (auto err = flatten(value, entry.key + ".", depth + 1, name, out))
        return err;
      continue;
    }
    if (value.IsScalar())
      entry.value = value.Scalar();
    else if (value.IsSequence())
      entry.problem = "got a sequence, expected a single value";
    else
      entry.problem = "no value given";
    out.push_back(std::move(entry));
  }
  return {};
}

} // namespace

caf::expected<std::vector<yaml_entry>> parse_yaml(const std::string& text,
                                                  const std::string& name) {
  try {
    auto root = YAML::Load(text);
    std::vector<yaml_entry> result;
    if (root.IsNull())
      return result;
    if (!root.IsMap())
      return malformed(name, std::string{"expected key: value pairs at the "
                                         "top level, got "}
                               + kind_name(root));
    if (auto err = flatten(root, "", 0, name, result))
      return err;
    return result;
  } catch (const YAML::Exception& e) {
    // e.msg without yaml-cpp's prefix; the mark is 0-based.
    if (e.mark.is_null())
      return malformed(name, quoted(e.msg));
    return malformed(name, "line " + std::to_string(e.mark.line + 1)
                             + ", column " + std::to_string(e.mark.column + 1)
                             + ": " + quoted(e.msg));
  }
}

caf::expected<std::vector<yaml_entry>> read_yaml_file(const std::string& path) {
  auto cannot_read = [&] {
    return make_error(errc::invalid_config, "cannot read config file " + quoted(path)
                                              + ": " + std::strerror(errno));
  };
  std::unique_ptr<FILE, int (*)(FILE*)> file{std::fopen(path.c_str(), "rb"),
                                             &std::fclose};
  if (!file)
    return cannot_read();
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), file.get())) > 0)
    text.append(buf, n);
  // A directory opens fine and fails here, with EISDIR.
  if (std::ferror(file.get()))
    return cannot_read();
  return parse_yaml(text, path);
}

} // namespace ha
