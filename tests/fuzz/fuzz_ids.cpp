// The ids a peer or a command line names: job ids, components, blob keys,
// session ids and hactl's --fence COMPONENT:EPOCH. Each parser either refuses
// the text or returns a value that prints as text it parses to the same value.

#include <string>

#include "app/hactl_store_support.hpp"
#include "caf_ha/messages/blob_store.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/ids.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace ha;

namespace {

void check_job_id(const std::string& str) {
  auto id = parse_job_id(str);
  if (!id)
    return;
  auto printed = to_string(*id);
  fuzz::expect(parse_job_id(printed) == id, "a job id round-trips");
}

void check_component(const std::string& str) {
  auto name = component::canonical(str);
  fuzz::expect(static_cast<bool>(name) == component::is_valid(str),
               "canonical and is_valid agree");
  if (!name) {
    fuzz::expect(describe(name.error()).find('\n') == std::string::npos,
                 "a component error is one line");
    return;
  }
  auto again = component::canonical(*name);
  fuzz::expect(again && *again == *name, "a canonical component is canonical");
  fuzz::expect(component::job_of(*name) == component::job_of(str),
               "canonical keeps the job");
}

void check_blob_key(const std::string& str) {
  auto key = parse_blob_key(str);
  if (!key)
    return;
  fuzz::expect(parse_blob_key(to_string(*key)) == key,
               "a blob key round-trips");
}

void check_session_id(const std::string& str) {
  auto session = parse_session_id(str);
  if (!session)
    return;
  fuzz::expect(parse_session_id(to_string(*session)) == session,
               "a session id round-trips");
}

void check_fence(const std::string& str) {
  auto fence = app::fence_arg(str);
  if (!fence) {
    fuzz::expect(is(fence.error(), errc::invalid_argument),
                 "a bad fence is invalid_argument");
    fuzz::expect(describe(fence.error()).find('\n') == std::string::npos,
                 "a fence error is one line");
    return;
  }
  if (fence->empty())
    return;
  auto again = app::fence_arg(fence->component + ":"
                              + std::to_string(fence->epoch));
  fuzz::expect(again && again->component == fence->component
                 && again->epoch == fence->epoch,
               "a fence round-trips");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto str = fuzz::text(data, size);
  check_job_id(str);
  check_component(str);
  check_blob_key(str);
  check_session_id(str);
  check_fence(str);
  return 0;
}
