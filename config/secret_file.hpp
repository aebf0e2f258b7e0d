#pragma once

#include <string>

#include <caf/expected.hpp>

namespace ha {

/// The secret held in the file `path` that the configuration key `key`
/// names: its first line, without the line end. Fails with invalid_config
/// naming the key and the path (never the contents) when the file cannot be
/// read or the secret is empty.
caf::expected<std::string> read_secret_file(const std::string& key,
                                            const std::string& path);

} // namespace ha
