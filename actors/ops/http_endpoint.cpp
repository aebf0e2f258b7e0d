#include "caf_ha/actors/ops/http_endpoint.hpp"

#include <chrono>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <httplib.h>

#include "caf_ha/actors/ops/cluster_status.hpp"
#include "caf_ha/actors/ops/node_monitor.hpp"
#include "caf_ha/actors/ops/status_page.hpp"
#include "caf_ha/config/logging.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha::ops {

struct http_endpoint::impl {
  httplib::Server server;
  std::thread runner;
  uint16_t port = 0;
};

namespace {

constexpr auto status_timeout = std::chrono::seconds(5);

/// Threads serving requests: each client that is slow to send holds one.
constexpr size_t worker_count = 32;

void serve_metrics(node_monitor& monitor, httplib::Response& res) {
  res.set_content(monitor.metrics().expose(),
                  "text/plain; version=0.0.4; charset=utf-8");
}

void serve_status(const status_source& status, httplib::Response& res) {
  auto doc = status();
  if (!doc) {
    res.status = 503;
    res.set_content(describe(doc.error()) + "\n", "text/plain; charset=utf-8");
    return;
  }
  res.set_header("Cache-Control", "no-store");
  res.set_content(*doc, "application/json");
}

void add_routes(httplib::Server& server, std::shared_ptr<node_monitor> monitor,
                status_source status) {
  server.Get("/metrics", [monitor](const httplib::Request&,
                                   httplib::Response& res) {
    serve_metrics(*monitor, res);
  });
  server.Get("/status.json", [status](const httplib::Request&,
                                      httplib::Response& res) {
    serve_status(status, res);
  });
  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; script-src 'unsafe-inline'; "
                   "style-src 'unsafe-inline'; connect-src 'self'");
    res.set_content(status_page_html(), "text/html; charset=utf-8");
  });
  // Anything but GET of these three: nothing here changes a service.
  auto refuse = [](const httplib::Request&, httplib::Response& res) {
    res.status = 405;
    res.set_header("Allow", "GET, HEAD");
    res.set_content("only GET\n", "text/plain");
  };
  server.Post(".*", refuse);
  server.Put(".*", refuse);
  server.Delete(".*", refuse);
  server.Patch(".*", refuse);
  server.Options(".*", refuse);
}

} // namespace

status_source status_of(caf::actor_system& sys, ha_services_actor root) {
  return [&sys, root]() -> caf::expected<std::string> {
    caf::scoped_actor self{sys};
    auto status = collect_status(self, root, status_timeout);
    if (!status)
      return status.error();
    return to_json(*status);
  };
}

http_endpoint::http_endpoint(std::unique_ptr<impl> ptr)
  : impl_(std::move(ptr)) {
}

caf::expected<std::unique_ptr<http_endpoint>>
http_endpoint::start(const std::string& host, uint16_t port,
                     std::shared_ptr<node_monitor> monitor,
                     status_source status) {
  auto state = std::make_unique<impl>();
  auto& server = state->server;
  // Operators' requests are small; a body has no use here.
  server.set_payload_max_length(4096);
  // cpp-httplib sets SO_REUSEPORT by default: a second node on the same
  // port would then share it silently and scrapes would reach either.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // Slow clients hold a worker each: short timeouts, more workers than
  // cpp-httplib's default of 8, few requests per connection.
  server.set_read_timeout(2, 0);
  server.set_write_timeout(5, 0);
  server.set_keep_alive_timeout(2);
  server.set_keep_alive_max_count(20);
  server.new_task_queue = [] { return new httplib::ThreadPool(worker_count); };
  // cpp-httplib builds a ranged answer in memory, once per range asked
  // for: a thousand ranges of /metrics would cost a hundred megabytes.
  server.set_pre_routing_handler([](const httplib::Request& req,
                                    httplib::Response& res) {
    if (!req.has_header("Range"))
      return httplib::Server::HandlerResponse::Unhandled;
    // No body: cpp-httplib would cut even this answer into the ranges.
    res.status = 416;
    return httplib::Server::HandlerResponse::Handled;
  });
  add_routes(server, std::move(monitor), std::move(status));
  int bound = port == 0 ? server.bind_to_any_port(host)
                        : (server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0)
    return make_error(errc::backend_unavailable,
                      "cannot listen for HTTP on " + host + ":"
                        + std::to_string(port)
                        + " (ha.metrics.host, ha.metrics.port)");
  state->port = static_cast<uint16_t>(bound);
  state->runner = std::thread{[&server] { server.listen_after_bind(); }};
  // The server ignores stop() until it runs: wait for that, briefly.
  for (int i = 0; i < 5000 && !server.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return std::unique_ptr<http_endpoint>{new http_endpoint(std::move(state))};
}

http_endpoint::~http_endpoint() {
  impl_->server.stop();
  if (impl_->runner.joinable())
    impl_->runner.join();
}

uint16_t http_endpoint::port() const {
  return impl_->port;
}

} // namespace ha::ops
