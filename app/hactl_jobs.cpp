// hactl's job graph commands: jobs put, get, list, remove, watch.

#include <caf/event_based_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "app/hactl_store_support.hpp"

namespace ha::app {

namespace {

int jobs_put(hactl_context& ctx, const store_args& a) {
  return with_job(a, [&](const job_id& job, const fencing_token& fence) {
    if (a.name.size() > max_record_payload)
      return usage("--name: expected at most "
                   + std::to_string(max_record_payload) + " bytes, got "
                   + std::to_string(a.name.size()));
    auto payload = read_file(a.file, max_record_payload - a.name.size());
    if (!payload)
      return fail(describe(payload.error()));
    job_graph graph{job, a.name, {}, std::move(*payload)};
    auto size = graph.payload.size();
    return with_store<job_graph_store_actor>(
      ctx, job_graphs_atom::value, [&](auto& store) {
        return answer(ask<caf::ok_atom>(ctx, store, caf::put_atom::value,
                                        std::move(graph), fence),
                      [&](caf::ok_atom) {
                        ctx.out.print("job_put", {{"job_id", a.job},
                                                  {"name", a.name},
                                                  {"size", size}});
                      });
      });
  });
}

int jobs_get(hactl_context& ctx, const store_args& a) {
  return with_job(a, [&](const job_id& job, const fencing_token&) {
    return with_store<job_graph_store_actor>(
      ctx, job_graphs_atom::value, [&](auto& store) {
        auto graph = ask<job_graph>(ctx, store, caf::get_atom::value, job);
        if (!graph)
          return fail(describe(graph.error()));
        if (!a.out.empty())
          if (auto err = write_file(a.out, graph->payload))
            return fail(describe(err));
        ctx.out.print("job_graph", {{"job_id", to_string(graph->id)},
                                    {"name", graph->name},
                                    {"size", graph->payload.size()}});
        return int{exit_ok};
      });
  });
}

/// Each stored graph with its name and size, read a page at a time.
int jobs_list(hactl_context& ctx) {
  return with_store<job_graph_store_actor>(
    ctx, job_graphs_atom::value, [&](auto& store) {
      auto page = ask<job_graph_page>(ctx, store, caf::get_atom::value,
                                      graph_page_atom::value,
                                      max_graph_page_count);
      // Bounded: every page but the last holds at least one graph.
      for (;;) {
        if (!page)
          return fail(describe(page.error()));
        for (auto& graph : page->graphs)
          ctx.out.print("job", {{"job_id", to_string(graph.id)},
                                {"name", graph.name},
                                {"size", graph.payload.size()}});
        if (page->complete || page->graphs.empty())
          return int{exit_ok};
        page = ask<job_graph_page>(ctx, store, caf::get_atom::value,
                                   graph_page_atom::value,
                                   page->graphs.back().id,
                                   max_graph_page_count);
      }
    });
}

int jobs_remove(hactl_context& ctx, const store_args& a) {
  return with_job(a, [&](const job_id& job, const fencing_token& fence) {
    return with_store<job_graph_store_actor>(
      ctx, job_graphs_atom::value, [&](auto& store) {
        return answer(ask<caf::ok_atom>(ctx, store, caf::delete_atom::value,
                                        job, fence),
                      [&](caf::ok_atom) {
                        ctx.out.print("job_removed", {{"job_id", a.job}});
                      });
      });
  });
}

struct watch_state {
  int seen = 0;
};

job_graph_listener_actor::behavior_type
job_watcher(job_graph_listener_actor::stateful_pointer<watch_state> self,
            printer* out, completion* done, std::optional<int> count) {
  auto report = [=](const char* event, const job_id& id) {
    if (count && self->state.seen >= *count)
      return;
    out->print(event, {{"job_id", to_string(id)}});
    if (count && ++self->state.seen == *count)
      done->finish(exit_ok);
  };
  return {
    [=](job_added_atom, const job_id& id) { report("job_added", id); },
    [=](job_removed_atom, const job_id& id) { report("job_removed", id); },
  };
}

int jobs_watch(hactl_context& ctx, const store_args& a) {
  return with_store<job_graph_store_actor>(
    ctx, job_graphs_atom::value, [&](auto& store) {
      auto listener = ctx.sys.spawn(job_watcher, &ctx.out, &ctx.done,
                                    a.count);
      auto joined = ask<caf::ok_atom>(ctx, store, caf::join_atom::value,
                                      listener);
      int code = exit_failure;
      if (!joined) {
        code = fail(describe(joined.error()));
      } else {
        ctx.out.print("watching", nlohmann::json::object());
        std::optional<std::chrono::milliseconds> timeout;
        if (a.timeout_ms)
          timeout = std::chrono::milliseconds{*a.timeout_ms};
        code = await_completion(ctx, timeout, "job graph changes");
        ask<caf::ok_atom>(ctx, store, caf::leave_atom::value, listener);
      }
      caf::anon_send_exit(listener, caf::exit_reason::user_shutdown);
      return code;
    });
}

} // namespace

void add_job_commands(CLI::App& app, hactl_action& action, args_ptr a) {
  const std::string hactl = "hactl --connect 127.0.0.1:6123 ";
  const std::string job = "0123456789abcdef0123456789abcdef";
  auto jobs = app.add_subcommand("jobs", "the job graph store");
  jobs->require_subcommand(1);
  example(jobs, hactl + "jobs list");
  auto put = command(jobs, "put", "store FILE as the job's graph",
                     hactl + "jobs put graph.bin --job-id " + job
                       + " --name wordcount",
                     action, a, jobs_put);
  put->add_option("file", a->file)->required();
  put->add_option("--job-id", a->job)->required();
  put->add_option("--name", a->name);
  add_fence(put, a);
  auto get = command(jobs, "get", "recover a job graph",
                     hactl + "jobs get " + job + " --out graph.bin", action, a,
                     jobs_get);
  get->add_option("job", a->job)->required();
  get->add_option("--out", a->out, "write the payload to this file");
  command(jobs, "list", "list the stored job graphs: id, name and size",
          hactl + "jobs list", action, a,
          [](hactl_context& ctx, const store_args&) { return jobs_list(ctx); });
  auto rm = command(jobs, "remove", "remove a job graph",
                    hactl + "jobs remove " + job, action, a, jobs_remove);
  rm->add_option("job", a->job)->required();
  add_fence(rm, a);
  auto watch = command(jobs, "watch",
                       "print graphs other processes add or remove",
                       hactl + "jobs watch --count 1 --timeout-ms 60000",
                       action, a, jobs_watch);
  watch->add_option("--count", a->count)->check(positive_int_check());
  watch->add_option("--timeout-ms", a->timeout_ms)
    ->check(positive_int_check());
}

} // namespace ha::app
