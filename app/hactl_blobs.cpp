// hactl's blob commands: blobs put, get, remove, remove-all.

#include "app/hactl_blobs.hpp"

#include <filesystem>
#include <memory>

#include "app/hactl_progress.hpp"

#include "caf_ha/actors/client/blob_client.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha::app {

namespace {

struct blob_args {
  std::string file;
  std::string key;
  std::string job;
  std::string out;
  bool transient = false;
};

caf::expected<blob_key> key_arg(const std::string& str) {
  if (auto key = parse_blob_key(str))
    return *key;
  return make_error(errc::invalid_argument,
                    "invalid blob key '" + str
                      + "': expected p- or t-, 64 hex digits, '-', 32 hex "
                        "digits");
}

/// The file's size, or -1 if it cannot be read (it was uploaded already).
int64_t size_of(const std::string& file) {
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  return ec ? -1 : static_cast<int64_t>(size);
}

/// Adds `name` below `parent`; choosing it makes `run` hactl's action.
template <class Run>
CLI::App* command(CLI::App* parent, const char* name, const char* help,
                  hactl_action& action, std::shared_ptr<blob_args> args,
                  blob_store_lookup lookup, Run run) {
  auto cmd = parent->add_subcommand(name, help);
  cmd->callback([&action, args, lookup, run] {
    action = [args, lookup, run](hactl_context& ctx) {
      auto store = lookup(ctx);
      if (!store)
        return fail(describe(store.error()));
      return run(ctx, *store, *args);
    };
  });
  return cmd;
}

} // namespace

int blobs_put(hactl_context& ctx, const blob_store_actor& store,
              const std::string& file, const std::string& job,
              bool transient) {
  auto id = job_arg(job);
  if (!id)
    return usage(describe(id.error()));
  auto type = transient ? blob_type::transient : blob_type::permanent;
  blob_client_options opts;
  caf::expected<blob_key> key = caf::sec::runtime_error;
  {
    // Ends its line before anything else is printed.
    transfer_progress progress{"uploading", ctx.out.json()};
    opts.progress = progress.callback();
    key = upload_file(ctx.sys, store, *id, type, file, opts);
  }
  if (!key)
    return fail(describe(key.error()));
  ctx.out.print("blob_put", {{"key", to_string(*key)},
                             {"job_id", job},
                             {"file", file},
                             {"size", size_of(file)}});
  return exit_ok;
}

int blobs_get(hactl_context& ctx, const blob_store_actor& store,
              const std::string& key, const std::string& job,
              const std::string& out) {
  auto id = job_arg(job);
  if (!id)
    return usage(describe(id.error()));
  auto parsed = key_arg(key);
  if (!parsed)
    return usage(describe(parsed.error()));
  blob_client_options opts;
  caf::error err;
  {
    transfer_progress progress{"downloading", ctx.out.json()};
    opts.progress = progress.callback();
    err = download_file(ctx.sys, store, *id, *parsed, out, opts);
  }
  if (err)
    return fail(describe(err));
  ctx.out.print("blob_get", {{"key", key},
                             {"job_id", job},
                             {"file", out},
                             {"size", size_of(out)}});
  return exit_ok;
}

int blobs_remove(hactl_context& ctx, const blob_store_actor& store,
                 const std::string& key, const std::string& job) {
  auto id = job_arg(job);
  if (!id)
    return usage(describe(id.error()));
  auto parsed = key_arg(key);
  if (!parsed)
    return usage(describe(parsed.error()));
  return answer(ask<caf::ok_atom>(ctx, store, caf::delete_atom::value, *id,
                                  *parsed),
                [&](caf::ok_atom) {
                  ctx.out.print("blob_removed",
                                {{"key", key}, {"job_id", job}});
                });
}

int blobs_remove_all(hactl_context& ctx, const blob_store_actor& store,
                     const std::string& job) {
  auto id = job_arg(job);
  if (!id)
    return usage(describe(id.error()));
  return answer(ask<caf::ok_atom>(ctx, store, caf::delete_atom::value, *id),
                [&](caf::ok_atom) {
                  ctx.out.print("blobs_removed", {{"job_id", job}});
                });
}

void add_blob_commands(CLI::App& app, hactl_action& action,
                       blob_store_lookup lookup) {
  const std::string hactl = "hactl --connect 127.0.0.1:6123 blobs ";
  const std::string job = "0123456789abcdef0123456789abcdef";
  const std::string key = "p-<64 hex digits>-<32 hex digits>";
  auto a = std::make_shared<blob_args>();
  auto blobs = app.add_subcommand("blobs", "the blob store");
  blobs->require_subcommand(1);
  example(blobs, hactl + "put state.bin --job-id " + job);
  auto put = command(blobs, "put", "upload a file; prints its key", action,
                     a, lookup,
                     [](hactl_context& ctx, const blob_store_actor& store,
                        const blob_args& x) {
                       return blobs_put(ctx, store, x.file, x.job,
                                        x.transient);
                     });
  put->add_option("file", a->file)->required();
  put->add_option("--job-id", a->job)->required();
  put->add_flag("--transient", a->transient, "a transient blob");
  example(put, hactl + "put state.bin --job-id " + job);
  auto get = command(blobs, "get", "download a blob to a file", action, a,
                     lookup,
                     [](hactl_context& ctx, const blob_store_actor& store,
                        const blob_args& x) {
                       return blobs_get(ctx, store, x.key, x.job, x.out);
                     });
  get->add_option("key", a->key)->required();
  get->add_option("--job-id", a->job)->required();
  get->add_option("--out", a->out)->required();
  example(get, hactl + "get " + key + " --job-id " + job + " --out state.bin");
  auto remove = command(blobs, "remove", "remove one blob", action, a, lookup,
                        [](hactl_context& ctx, const blob_store_actor& store,
                           const blob_args& x) {
                          return blobs_remove(ctx, store, x.key, x.job);
                        });
  remove->add_option("key", a->key)->required();
  remove->add_option("--job-id", a->job)->required();
  example(remove, hactl + "remove " + key + " --job-id " + job);
  auto all = command(blobs, "remove-all", "remove every blob of a job",
                     action, a, lookup,
                     [](hactl_context& ctx, const blob_store_actor& store,
                        const blob_args& x) {
                       return blobs_remove_all(ctx, store, x.job);
                     });
  all->add_option("job", a->job)->required();
  example(all, hactl + "remove-all " + job);
}

} // namespace ha::app
