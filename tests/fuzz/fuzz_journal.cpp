// The journal (actors/journal/journal.hpp) that `hactl replay FILE` reads:
// the input as a journal file, and as the content of a record that a
// service writes (peers choose much of what records hold).

#include <string>
#include <vector>

#include "caf_ha/actors/journal/journal.hpp"
#include "caf_ha/actors/journal/replay_records.hpp"
#include "caf_ha/messages/errors.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace ha;

namespace {

bool same_records(const std::vector<journal_record>& xs,
                  const std::vector<journal_record>& ys) {
  if (xs.size() != ys.size())
    return false;
  for (size_t i = 0; i < xs.size(); ++i)
    if (!same_message(xs[i], ys[i]) || xs[i].time_us != ys[i].time_us)
      return false;
  return true;
}

/// Writing records and reading them back gives the same records.
void check_rewrite(const fuzz::scratch_dir& dir,
                   const std::vector<journal_record>& records) {
  auto path = dir.path("rewritten.journal");
  fuzz::expect(!write_journal(path, records), "records can be written");
  auto again = read_journal(path);
  fuzz::expect(static_cast<bool>(again), "a written journal reads");
  fuzz::expect(!again->torn_tail, "a written journal is whole");
  fuzz::expect(same_records(again->records, records),
               "a written journal reads as the records written");
}

void check_file(const fuzz::scratch_dir& dir, const std::string& input) {
  auto contents = read_journal(dir.write("input.journal", input));
  if (!contents) {
    fuzz::expect(is(contents.error(), errc::corrupted),
                 "a bad journal is corrupted");
    fuzz::expect(describe(contents.error()).find('\n') == std::string::npos,
                 "a journal error is one line");
    return;
  }
  fuzz::expect(replay_order(contents->records).size()
                 == contents->records.size(),
               "the replay feeds every record");
  check_rewrite(dir, contents->records);
}

/// A record holding the input where a peer's address and name go: it is
/// written (bytes that are not UTF-8 as U+FFFD) and reads back.
void check_content(const fuzz::scratch_dir& dir, const std::string& input) {
  journal_record x;
  x.actor = "elector/dispatcher";
  x.direction = "in";
  x.kind = "confirm";
  x.peer = input;
  x.fields = {{"address", input}};
  auto path = dir.path("content.journal");
  fuzz::expect(!write_journal(path, {x}), "any record can be written");
  auto back = read_journal(path);
  fuzz::expect(back && back->records.size() == 1
                 && back->records[0].fields.size() == 1,
               "a written record reads back");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::scratch_dir dir;
  auto input = fuzz::text(data, size);
  check_file(dir, input);
  check_content(dir, input);
  return 0;
}
