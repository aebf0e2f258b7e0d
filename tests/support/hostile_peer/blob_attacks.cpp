// Attacks on the blob store handle: file paths of the node's host, the
// blob store's own cleanup, more open uploads than a peer may hold, and
// many chunks asked for and never read.

#include <csignal>
#include <iostream>
#include <stdexcept>
#include <vector>

#include "caf_ha/messages/blob_store.hpp"
#include "tests/support/hostile_peer/hostile_peer.hpp"

namespace ha::hostile {

namespace {

job_id job_option(const attack_context& ctx) {
  auto text = ctx.option("job", "0123456789abcdef0123456789abcdef");
  auto job = parse_job_id(text);
  if (!job)
    throw std::runtime_error("--job wants 32 hex digits, got '" + text + "'");
  return *job;
}

caf::actor blob_store(attack_context& ctx) {
  return obtain<blob_store_actor>(ctx, blobs_atom::value);
}

/// Stores `content` through the chunked protocol every peer may use.
blob_key upload(attack_context& ctx, const caf::actor& store,
                const job_id& job, const std::string& content) {
  auto id = ask<uint64_t>(ctx, store, upload_atom::value, job,
                          blob_type::permanent);
  if (!id)
    throw std::runtime_error("upload refused: " + describe(id.error()));
  std::vector<uint8_t> bytes(content.begin(), content.end());
  auto added = ask<caf::ok_atom>(ctx, store, upload_chunk_atom::value, *id,
                                 std::move(bytes));
  if (!added)
    throw std::runtime_error("chunk refused: " + describe(added.error()));
  auto key = ask<blob_key>(ctx, store, upload_commit_atom::value, *id);
  if (!key)
    throw std::runtime_error("commit refused: " + describe(key.error()));
  return *key;
}

/// Asks the store to copy a file of its host into the store.
nlohmann::json put_path(attack_context& ctx) {
  auto store = blob_store(ctx);
  auto key = ask<blob_key>(ctx, store, caf::put_atom::value, job_option(ctx),
                           blob_type::permanent, ctx.option("path"));
  auto report = verdict(key ? caf::none : key.error());
  if (key)
    report["key"] = to_string(*key);
  return report;
}

/// Uploads a blob, then asks the store to write it to a file of its host.
nlohmann::json get_path(attack_context& ctx) {
  auto store = blob_store(ctx);
  auto job = job_option(ctx);
  auto key = upload(ctx, store, job, ctx.option("content", "hostile"));
  auto written = ask<caf::ok_atom>(ctx, store, caf::get_atom::value, job, key,
                                   ctx.option("target"));
  auto report = verdict(written ? caf::none : written.error());
  report["key"] = to_string(key);
  return report;
}

/// Uploads a blob, sends the blob store's own cleanup (no secret exists in
/// its protocol), then checks whether the blob is still there.
nlohmann::json blob_cleanup(attack_context& ctx) {
  auto store = blob_store(ctx);
  auto job = job_option(ctx);
  auto key = upload(ctx, store, job, "kept unless cleaned up");
  auto cleaned = ask<caf::ok_atom>(ctx, store, cleanup_atom::value);
  auto report = verdict(cleaned ? caf::none : cleaned.error());
  auto size = ask<uint64_t>(ctx, store, download_atom::value, job, key);
  report["blob_survived"] = static_cast<bool>(size);
  return report;
}

/// Opens uploads (never committing them) until one is refused.
nlohmann::json open_uploads(attack_context& ctx) {
  auto store = blob_store(ctx);
  auto job = job_option(ctx);
  auto count = std::stoi(ctx.option("count", "8"));
  nlohmann::json report{{"outcome", "accepted"}};
  for (int i = 1; i <= count; ++i) {
    auto id = ask<uint64_t>(ctx, store, upload_atom::value, job,
                            blob_type::permanent);
    if (!id) {
      report = verdict(id.error());
      report["refused_at"] = i;
      break;
    }
    report["opened"] = i;
  }
  return report;
}

/// Stores a blob of `--size` bytes (8 MiB: the largest chunk a store
/// serves) and asks for it `--count` times in one go. Once the first answer
/// is here (the requests, a few KiB written at once, are with the node by
/// then), the peer prints its report and stops itself (SIGSTOP), so that
/// its socket is never read again: the node must not queue the answers
/// still to come. A node that drops the peer while it still reads the
/// first answer ends the attack as well ("dropped").
nlohmann::json unread_chunks(attack_context& ctx) {
  auto store = blob_store(ctx);
  auto job = job_option(ctx);
  auto size = static_cast<uint32_t>(std::stoul(ctx.option("size", "8388608")));
  auto count = std::stoi(ctx.option("count", "64"));
  auto key = upload(ctx, store, job, std::string(size, 'u'));
  auto ask_chunk = [&] {
    return ctx.self->request(store, ctx.timeout, read_chunk_atom::value, job,
                             key, uint64_t{0}, size);
  };
  auto first = ask_chunk();
  for (int i = 1; i < count; ++i)
    ask_chunk();
  bool answered = false;
  first.receive([&](const std::vector<uint8_t>&) { answered = true; },
                [](const caf::error&) {});
  nlohmann::json report{{"attack", "unread-chunks"},
                        {"outcome", answered ? "sent" : "dropped"},
                        {"asked", count}};
  if (answered) {
    // Printed here: once stopped, the peer never returns to print it.
    std::cout << report.dump() << std::endl;
    std::raise(SIGSTOP);
  }
  return report;
}

} // namespace

void add_blob_attacks(std::map<std::string, attack_fn>& attacks) {
  attacks["blob-put-path"] = put_path;
  attacks["blob-get-path"] = get_path;
  attacks["blob-cleanup"] = blob_cleanup;
  attacks["uploads"] = open_uploads;
  attacks["unread-chunks"] = unread_chunks;
}

} // namespace ha::hostile
