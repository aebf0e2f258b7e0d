#include "app/hactl_replay.hpp"

#include <iostream>

#include "caf_ha/actors/journal/replay.hpp"
#include "app/hactl_commands.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha::app {

int replay_command(const std::string& path, bool rerecord) {
  auto contents = read_journal(path);
  if (!contents)
    return fail(describe(contents.error()));
  if (contents->torn_tail)
    std::cerr << "hactl: " << path
              << ": ignored a torn last record (writer killed mid-write)\n";
  auto result = replay_journal(contents->records, contents->torn_tail);
  if (!result)
    return fail(describe(result.error()));
  if (rerecord) {
    if (auto err = write_journal(path, std::move(result->produced)))
      return fail(describe(err));
    std::cout << "rerecorded " << path << "\n";
    return exit_ok;
  }
  if (auto& diff = result->divergence) {
    std::cout << "replay diverged at message " << diff->index << "\n"
              << "  expected: " << diff->expected << "\n"
              << "  got:      " << diff->got << std::endl;
    return exit_failure;
  }
  std::cout << "replay ok: " << result->messages << " messages" << std::endl;
  return exit_ok;
}

void add_replay_command(CLI::App& app, std::function<int()>& standalone) {
  struct args {
    std::string file;
    bool rerecord = false;
  };
  auto parsed = std::make_shared<args>();
  auto cmd = app.add_subcommand(
    "replay", "replay a message journal and compare every message");
  cmd->add_option("FILE", parsed->file, "journal file (ha.journal.path)")
    ->required();
  cmd->add_flag("--rerecord", parsed->rerecord,
                "replace FILE with what the current code does");
  example(cmd, "hactl replay /var/lib/ha/journal.jsonl");
  cmd->callback([parsed, &standalone] {
    standalone = [parsed] {
      return replay_command(parsed->file, parsed->rerecord);
    };
  });
}

} // namespace ha::app
