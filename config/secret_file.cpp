#include "caf_ha/config/secret_file.hpp"

#include <fstream>

#include "caf_ha/messages/errors.hpp"

namespace ha {

caf::expected<std::string> read_secret_file(const std::string& key,
                                            const std::string& path) {
  std::ifstream in{path};
  std::string line;
  if (!in || !std::getline(in, line))
    return make_error(errc::invalid_config,
                      "cannot read " + key + " " + quoted(path));
  // A file written on Windows ends its line with \r as well.
  if (!line.empty() && line.back() == '\r')
    line.pop_back();
  if (line.empty())
    return make_error(errc::invalid_config,
                      key + " " + quoted(path) + " holds an empty secret");
  return line;
}

} // namespace ha
