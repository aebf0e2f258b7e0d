// hactl's metadata commands: results, registry, checkpoints, counter,
// cleanup-all.

#include "app/hactl_store_support.hpp"

namespace ha::app {

namespace {

nlohmann::json result_fields(const job_result_entry& e) {
  return {{"job_id", to_string(e.id)},
          {"status", e.status},
          {"state", e.clean ? "clean" : "dirty"},
          {"timestamp_ms", e.timestamp_ms}};
}

nlohmann::json checkpoint_fields(const completed_checkpoint& c) {
  return {{"job_id", to_string(c.job)},
          {"checkpoint_id", c.checkpoint_id},
          {"timestamp_ms", c.timestamp_ms},
          {"size", c.metadata.size()}};
}

// -- results and registry -----------------------------------------------------

int results_create_dirty(hactl_context& ctx, const store_args& a) {
  return with_job(a, [&](const job_id& job, const fencing_token& fence) {
    job_result_entry entry{job, a.status, now_ms(), false};
    return with_store<job_result_store_actor>(
      ctx, job_results_atom::value, [&](auto& store) {
        return answer(ask<caf::ok_atom>(ctx, store, create_dirty_atom::value,
                                        entry, fence),
                      [&](caf::ok_atom) {
                        ctx.out.print("result", result_fields(entry));
                      });
      });
  });
}

int results_mark_clean(hactl_context& ctx, const store_args& a) {
  return with_job(a, [&](const job_id& job, const fencing_token& fence) {
    return with_store<job_result_store_actor>(
      ctx, job_results_atom::value, [&](auto& store) {
        return answer(ask<caf::ok_atom>(ctx, store, mark_clean_atom::value,
                                        job, fence),
                      [&](caf::ok_atom) {
                        ctx.out.print("result_clean", {{"job_id", a.job}});
                      });
      });
  });
}

int results_list(hactl_context& ctx, const store_args& a) {
  return with_store<job_result_store_actor>(
    ctx, job_results_atom::value, [&](auto& store) {
      using entries = std::vector<job_result_entry>;
      auto print = [&](const entries& xs) {
        for (auto& e : xs)
          ctx.out.print("result", result_fields(e));
      };
      if (!a.clean_only) {
        if (auto code = answer(ask<entries>(ctx, store, caf::get_atom::value,
                                            dirty_atom::value),
                               print))
          return code;
      }
      if (a.dirty_only)
        return int{exit_ok};
      return answer(ask<entries>(ctx, store, caf::get_atom::value,
                                 clean_atom::value),
                    print);
    });
}

template <class Atom>
int registry_set(hactl_context& ctx, const store_args& a, Atom which) {
  return with_job(a, [&](const job_id& job, const fencing_token& fence) {
    return with_store<running_jobs_registry_actor>(
      ctx, registry_atom::value, [&](auto& store) {
        return answer(ask<caf::ok_atom>(ctx, store, which, job, fence),
                      [&](caf::ok_atom) {
                        ctx.out.print("registry_set", {{"job_id", a.job}});
                      });
      });
  });
}

int registry_status(hactl_context& ctx, const store_args& a) {
  return with_job(a, [&](const job_id& job, const fencing_token&) {
    return with_store<running_jobs_registry_actor>(
      ctx, registry_atom::value, [&](auto& store) {
        return answer(ask<scheduling_status>(ctx, store, caf::get_atom::value,
                                             job),
                      [&](scheduling_status st) {
                        ctx.out.print("status", {{"job_id", a.job},
                                                 {"status", to_string(st)}});
                      });
      });
  });
}

// -- checkpoints and counter --------------------------------------------------

int checkpoints_add(hactl_context& ctx, const store_args& a) {
  return with_job(a, [&](const job_id& job, const fencing_token& fence) {
    auto metadata = read_file(a.file, max_record_payload);
    if (!metadata)
      return fail(describe(metadata.error()));
    completed_checkpoint cp{job, a.checkpoint_id, now_ms(),
                            std::move(*metadata)};
    auto added = checkpoint_fields(cp);
    return with_store<checkpoint_store_actor>(
      ctx, checkpoints_atom::value, [&](auto& store) {
        using list = std::vector<completed_checkpoint>;
        return answer(ask<list>(ctx, store, caf::add_atom::value,
                                std::move(cp), a.retain, fence),
                      [&](const list& subsumed) {
                        ctx.out.print("checkpoint_added", added);
                        for (auto& s : subsumed)
                          ctx.out.print("subsumed", checkpoint_fields(s));
                      });
      });
  });
}

int checkpoints_list(hactl_context& ctx, const store_args& a) {
  return with_job(a, [&](const job_id& job, const fencing_token&) {
    return with_store<checkpoint_store_actor>(
      ctx, checkpoints_atom::value, [&](auto& store) {
        using list = std::vector<completed_checkpoint>;
        return answer(ask<list>(ctx, store, caf::get_atom::value, job),
                      [&](const list& xs) {
                        for (auto& c : xs)
                          ctx.out.print("checkpoint", checkpoint_fields(c));
                      });
      });
  });
}

int counter_next(hactl_context& ctx, const store_args& a) {
  return with_job(a, [&](const job_id& job, const fencing_token& fence) {
    return with_store<checkpoint_store_actor>(
      ctx, checkpoints_atom::value, [&](auto& store) {
        return answer(ask<uint64_t>(ctx, store, next_id_atom::value, job,
                                    fence),
                      [&](uint64_t value) {
                        ctx.out.print("counter", {{"job_id", a.job},
                                                  {"value", value}});
                      });
      });
  });
}

int counter_set(hactl_context& ctx, const store_args& a) {
  return with_job(a, [&](const job_id& job, const fencing_token& fence) {
    return with_store<checkpoint_store_actor>(
      ctx, checkpoints_atom::value, [&](auto& store) {
        return answer(ask<caf::ok_atom>(ctx, store, set_count_atom::value, job,
                                        a.count_value, fence),
                      [&](caf::ok_atom) {
                        ctx.out.print("counter_set",
                                      {{"job_id", a.job},
                                       {"value", a.count_value}});
                      });
      });
  });
}

int cleanup_all(hactl_context& ctx, const store_args& a) {
  if (!a.yes)
    return usage("cleanup-all deletes every record of the cluster: confirm "
                 "with --yes");
  return answer(ask<caf::ok_atom>(ctx, ctx.root, cleanup_atom::value,
                                  ctx.admin_secret),
                [&](caf::ok_atom) {
                  ctx.out.print("cleaned_up", nlohmann::json::object());
                });
}

// -- the command line ---------------------------------------------------------

const std::string hactl = "hactl --connect 127.0.0.1:6123 ";
const std::string job = "0123456789abcdef0123456789abcdef";

void add_result_commands(CLI::App& app, hactl_action& action, args_ptr a) {
  auto results = app.add_subcommand("results", "the job result store");
  results->require_subcommand(1);
  example(results, hactl + "results list --dirty");
  auto dirty = command(results, "create-dirty", "record a job's end",
                       hactl + "results create-dirty " + job
                         + " --status FAILED",
                       action, a, results_create_dirty);
  dirty->add_option("job", a->job)->required();
  dirty->add_option("--status", a->status,
                    "SUCCEEDED, FAILED, CANCELED or UNKNOWN");
  add_fence(dirty, a);
  auto clean = command(results, "mark-clean", "the job's cleanup finished",
                       hactl + "results mark-clean " + job, action, a,
                       results_mark_clean);
  clean->add_option("job", a->job)->required();
  add_fence(clean, a);
  auto list = command(results, "list", "list the entries",
                      hactl + "results list --clean", action, a,
                      results_list);
  auto d = list->add_flag("--dirty", a->dirty_only, "dirty entries only");
  list->add_flag("--clean", a->clean_only, "clean entries only")->excludes(d);
  auto registry = app.add_subcommand("registry", "the running jobs registry");
  registry->require_subcommand(1);
  example(registry, hactl + "registry status " + job);
  auto run = command(registry, "set-running", "mark a job running",
                     hactl + "registry set-running " + job
                       + " --fence job_manager/" + job + ":3",
                     action, a,
                     [](hactl_context& ctx, const store_args& x) {
                       return registry_set(ctx, x, set_running_atom::value);
                     });
  run->add_option("job", a->job)->required();
  add_fence(run, a);
  auto fin = command(registry, "set-finished", "mark a job done",
                     hactl + "registry set-finished " + job, action, a,
                     [](hactl_context& ctx, const store_args& x) {
                       return registry_set(ctx, x, set_finished_atom::value);
                     });
  fin->add_option("job", a->job)->required();
  add_fence(fin, a);
  auto status = command(registry, "status", "pending, running or done",
                        hactl + "registry status " + job, action, a,
                        registry_status);
  status->add_option("job", a->job)->required();
}

void add_checkpoint_commands(CLI::App& app, hactl_action& action,
                             args_ptr a) {
  auto id_check = integer_check(0, max_checkpoint_id);
  auto cps = app.add_subcommand("checkpoints", "completed checkpoints");
  cps->require_subcommand(1);
  example(cps, hactl + "checkpoints list " + job);
  auto add = command(cps, "add", "add a completed checkpoint",
                     hactl + "checkpoints add " + job
                       + " --id 42 --file chk-42.meta --retain 3",
                     action, a, checkpoints_add);
  add->add_option("job", a->job)->required();
  add->add_option("--id", a->checkpoint_id)->required()->check(id_check);
  add->add_option("--file", a->file, "the checkpoint's metadata")->required();
  add->add_option("--retain", a->retain, "checkpoints to keep")
    ->check(integer_check(1, std::numeric_limits<uint32_t>::max()));
  add_fence(add, a);
  auto list = command(cps, "list", "the retained checkpoints, oldest first",
                      hactl + "checkpoints list " + job, action, a,
                      checkpoints_list);
  list->add_option("job", a->job)->required();
  auto counter = app.add_subcommand("counter", "checkpoint id counters");
  counter->require_subcommand(1);
  example(counter, hactl + "counter next " + job);
  auto next = command(counter, "next", "get and increment",
                      hactl + "counter next " + job, action, a, counter_next);
  next->add_option("job", a->job)->required();
  add_fence(next, a);
  auto set = command(counter, "set", "set the next id",
                     hactl + "counter set " + job + " 100", action, a,
                     counter_set);
  set->add_option("job", a->job)->required();
  set->add_option("value", a->count_value)->required()->check(id_check);
  add_fence(set, a);
}

} // namespace

void add_store_commands(CLI::App& app, hactl_action& action) {
  auto args = std::make_shared<store_args>();
  add_job_commands(app, action, args);
  add_result_commands(app, action, args);
  add_checkpoint_commands(app, action, args);
  auto cleanup = command(&app, "cleanup-all",
                         "delete all data of the cluster",
                         hactl + "cleanup-all --yes", action, args,
                         cleanup_all);
  cleanup->add_flag("--yes", args->yes, "confirm the deletion");
}

} // namespace ha::app
