#pragma once

// hactl's blob commands: blobs put|get|remove|remove-all. Transfers go in
// chunks over CAF messages, so they work against a remote ha-node.

#include <functional>
#include <string>

#include <CLI/CLI.hpp>
#include <caf/expected.hpp>

#include "app/hactl_commands.hpp"
#include "caf_ha/messages/blob_store.hpp"

namespace ha::app {

/// `blobs put FILE --job-id ID [--transient]`: uploads FILE; prints its key.
int blobs_put(hactl_context& ctx, const blob_store_actor& store,
              const std::string& file, const std::string& job,
              bool transient);

/// `blobs get KEY --job-id ID --out FILE`: downloads the blob to FILE after
/// checking its hash; nothing is written on any error.
int blobs_get(hactl_context& ctx, const blob_store_actor& store,
              const std::string& key, const std::string& job,
              const std::string& out);

/// `blobs remove KEY --job-id ID`: removes one blob.
int blobs_remove(hactl_context& ctx, const blob_store_actor& store,
                 const std::string& key, const std::string& job);

/// `blobs remove-all ID`: removes every blob of the job.
int blobs_remove_all(hactl_context& ctx, const blob_store_actor& store,
                     const std::string& job);

/// How a command finds the blob store of the services hactl talks to.
using blob_store_lookup
  = std::function<caf::expected<blob_store_actor>(hactl_context&)>;

/// Registers `blobs put|get|remove|remove-all` on `app`; the chosen command
/// asks `lookup` for the store when it runs.
void add_blob_commands(CLI::App& app, hactl_action& action,
                       blob_store_lookup lookup);

} // namespace ha::app
