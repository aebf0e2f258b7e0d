#pragma once

// hactl's `replay` command: checks that the services still do what a
// journal recorded. It needs no services of its own, so it runs before
// hactl connects to or embeds any.

#include <functional>

#include <CLI/CLI.hpp>

namespace ha::app {

/// Registers `replay FILE [--rerecord]`; `standalone` is set to the command
/// when it is chosen.
void add_replay_command(CLI::App& app, std::function<int()>& standalone);

/// Replays the journal at `path`: prints `replay ok: N messages` and returns
/// 0, or prints the first divergence (index, expected, got) and returns 1.
/// With `rerecord`, replaces the file with what the replay produced.
int replay_command(const std::string& path, bool rerecord);

} // namespace ha::app
