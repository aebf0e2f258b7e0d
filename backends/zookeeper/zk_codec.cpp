#include "caf_ha/backends/zookeeper/zk_codec.hpp"

#include <cctype>
#include <charconv>
#include <sstream>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

namespace ha {

std::string encode_leader_info(const leader_info& info) {
  return std::to_string(info.epoch) + "\n" + to_string(info.session) + "\n"
         + info.address;
}

std::optional<leader_info> decode_leader_info(const std::string& data) {
  auto first = data.find('\n');
  if (first == std::string::npos)
    return std::nullopt;
  auto second = data.find('\n', first + 1);
  if (second == std::string::npos)
    return std::nullopt;
  auto epoch = decode_number(data.substr(0, first));
  auto session = parse_session_id(data.substr(first + 1, second - first - 1));
  if (!epoch || !session)
    return std::nullopt;
  return leader_info{data.substr(second + 1), *session, *epoch};
}

std::string encode_contender(const contender_options& options,
                             bool stepped_down) {
  if (options.priority == 0 && !stepped_down)
    return options.address;
  return options.address + "\n" + std::to_string(options.priority)
         + (stepped_down ? "\nstepped-down" : "");
}

namespace {

std::optional<int32_t> decode_int32(const std::string& text) {
  int32_t result = 0;
  auto end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, result);
  if (ec != std::errc{} || ptr != end)
    return std::nullopt;
  return result;
}

} // namespace

latch_data decode_latch(const std::string& data) {
  latch_data result;
  auto first = data.find('\n');
  auto address = data.substr(0, first);
  if (!address.empty() && !check_leader_address(address))
    result.options.address = address;
  if (first == std::string::npos)
    return result;
  auto second = data.find('\n', first + 1);
  auto length = second == std::string::npos ? second : second - first - 1;
  result.options.priority
    = decode_int32(data.substr(first + 1, length)).value_or(0);
  result.stepped_down = second != std::string::npos
                        && data.substr(second + 1) == "stepped-down";
  return result;
}

contender_options decode_contender(const std::string& data) {
  return decode_latch(data).options;
}

std::string encode_handover(const std::string& latch_name) {
  return latch_name;
}

std::optional<std::string> decode_handover(const std::string& data) {
  if (data.size() > 255 || data.find('/') != std::string::npos
      || !sequence_of(data))
    return std::nullopt;
  return data;
}

std::optional<uint64_t> sequence_of(const std::string& name) {
  constexpr size_t digits = 10;
  if (name.size() < digits)
    return std::nullopt;
  uint64_t result = 0;
  for (auto i = name.size() - digits; i < name.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(name[i])))
      return std::nullopt;
    result = result * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  return result;
}

bool by_sequence(const std::string& x, const std::string& y) {
  return sequence_of(x).value_or(0) < sequence_of(y).value_or(0);
}

namespace {

/// Splits `data` at newlines into exactly `n` fields.
std::optional<std::vector<std::string>> fields(const std::string& data,
                                               size_t n) {
  std::vector<std::string> result;
  size_t start = 0;
  for (size_t i = 1; i < n; ++i) {
    auto end = data.find('\n', start);
    if (end == std::string::npos)
      return std::nullopt;
    result.push_back(data.substr(start, end - start));
    start = end + 1;
  }
  result.push_back(data.substr(start));
  return result;
}

/// The whole of `x` as a number of type T, which must hold it.
template <class T>
std::optional<T> parse_whole(const std::string& x) {
  T result = 0;
  auto last = x.data() + x.size();
  auto [ptr, ec] = std::from_chars(x.data(), last, result);
  if (ec != std::errc{} || ptr != last)
    return std::nullopt;
  return result;
}

/// Decimal digits with an optional '-', within int64.
std::optional<int64_t> decode_signed(const std::string& x) {
  return parse_whole<int64_t>(x);
}

/// A payload file as `zk_payloads::write` names it: `/`-separated names of
/// letters, digits, '_' and '-'. Anything else (`..`, an absolute path)
/// would let whoever can write the node make the store read or delete any
/// file of the host.
bool is_payload_name(const std::string& name) {
  auto segment_ok = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  };
  if (name.empty() || name.front() == '/' || name.back() == '/'
      || name.find("//") != std::string::npos)
    return false;
  for (auto c : name)
    if (c != '/' && !segment_ok(c))
      return false;
  return true;
}

} // namespace

std::optional<uint64_t> decode_number(const std::string& data) {
  // from_chars takes no sign, but a '-' would wrap around.
  if (data.empty() || data.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return parse_whole<uint64_t>(data);
}

std::string encode_graph_node(const job_graph& graph,
                              const std::string& file) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  auto name = graph.name;
  auto metadata = graph.metadata;
  auto file_name = file;
  sink(name, metadata, file_name);
  return {buf.begin(), buf.end()};
}

std::optional<std::string> decode_graph_node(const std::string& data,
                                             job_graph& graph) {
  caf::binary_deserializer source{nullptr, data.data(), data.size()};
  std::string file;
  if (source(graph.name, graph.metadata, file) || source.remaining() != 0
      || !is_payload_name(file))
    return std::nullopt;
  return file;
}

std::string encode_result(const job_result_entry& entry) {
  return entry.status + "\n" + std::to_string(entry.timestamp_ms) + "\n"
         + (entry.clean ? "clean" : "dirty");
}

std::optional<job_result_entry> decode_result(const job_id& id,
                                              const std::string& data) {
  auto xs = fields(data, 3);
  if (!xs)
    return std::nullopt;
  auto timestamp = decode_signed((*xs)[1]);
  if (!timestamp || ((*xs)[2] != "clean" && (*xs)[2] != "dirty"))
    return std::nullopt;
  return job_result_entry{id, (*xs)[0], *timestamp, (*xs)[2] == "clean"};
}

std::string encode_change(const job_graph_change& change) {
  return to_string(change.id) + "\n" + (change.added ? "added" : "removed")
         + "\n" + std::to_string(change.origin);
}

std::optional<job_graph_change> decode_change(uint64_t sequence,
                                              const std::string& data) {
  auto xs = fields(data, 3);
  if (!xs)
    return std::nullopt;
  auto id = parse_job_id((*xs)[0]);
  auto origin = decode_number((*xs)[2]);
  if (!id || !origin || ((*xs)[1] != "added" && (*xs)[1] != "removed"))
    return std::nullopt;
  return job_graph_change{sequence, *id, (*xs)[1] == "added", *origin};
}

std::string encode_checkpoint_node(const completed_checkpoint& checkpoint,
                                   const std::string& file) {
  return std::to_string(checkpoint.timestamp_ms) + "\n" + file;
}

std::optional<std::string> decode_checkpoint_node(const std::string& data,
                                                  completed_checkpoint& out) {
  auto xs = fields(data, 2);
  if (!xs)
    return std::nullopt;
  auto timestamp = decode_signed((*xs)[0]);
  if (!timestamp || !is_payload_name((*xs)[1]))
    return std::nullopt;
  out.timestamp_ms = *timestamp;
  return (*xs)[1];
}

} // namespace ha
