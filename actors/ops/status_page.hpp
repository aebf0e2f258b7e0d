#pragma once

#include <string>

namespace ha::ops {

/// The status page of the HTTP endpoint: HTML with its style and script
/// inline, no other asset. It shows /status.json and reads it again every
/// two seconds.
const std::string& status_page_html();

} // namespace ha::ops
