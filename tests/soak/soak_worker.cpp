// soak_worker: see soak_worker.hpp.

#include "tests/soak/soak_worker.hpp"

#include <charconv>
#include <csignal>
#include <iostream>

#include <fcntl.h>
#include <unistd.h>

#include <caf/all.hpp>

#include "caf_ha/actors/client/services_link.hpp"
#include "caf_ha/actors/net/system_setup.hpp"
#include "caf_ha/messages/errors.hpp"
#include "app/process_signals.hpp"

namespace ha::soak {

std::string component_name(uint32_t k) {
  job_id id;
  id.bytes[0] = 0x50;
  id.bytes[15] = static_cast<uint8_t>(k);
  id.bytes[14] = static_cast<uint8_t>(k >> 8);
  return component::job_manager(id);
}

event_log::event_log(const std::string& path)
  : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
               0644)) {
  if (fd_ < 0)
    throw std::runtime_error("cannot open " + path);
}

event_log::~event_log() {
  ::close(fd_);
}

void event_log::write(std::string line) {
  line += '\n';
  // A regular file in append mode: one write(2) lands whole.
  if (::write(fd_, line.data(), line.size()) < 0)
    std::cerr << "soak_worker: cannot write the event log" << std::endl;
}

void ended_tokens::add(const fencing_token& token) {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& x : tokens_)
    if (x.component == token.component) {
      if (x.epoch < token.epoch)
        x = token;
      return;
    }
  tokens_.push_back(token);
}

std::optional<fencing_token>
ended_tokens::older_than(const std::string& component, epoch_t epoch) {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& x : tokens_)
    if (x.component == component && x.epoch < epoch)
      return x;
  return std::nullopt;
}

bool await_usr1() {
  return app::wait_for_signal() == SIGUSR1;
}

void say(const std::string& line) {
  std::cout << line << std::endl;
}

std::optional<config> configure(caf::actor_system_config& sys_cfg,
                                const worker_args& args) {
  auto cfg = config::load("", args.overrides);
  if (!cfg) {
    std::cerr << "soak_worker: " << describe(cfg.error()) << std::endl;
    return std::nullopt;
  }
  if (auto err = configure_actor_system(sys_cfg, *cfg)) {
    std::cerr << "soak_worker: " << describe(err) << std::endl;
    return std::nullopt;
  }
  return std::move(*cfg);
}

std::optional<services_link_actor>
connect(caf::actor_system& sys, const worker_args& args, const config& cfg) {
  auto link = connect_link(sys, args.host, args.port, cfg);
  if (!link) {
    std::cerr << "soak_worker: " << describe(link.error()) << std::endl;
    return std::nullopt;
  }
  return *link;
}

namespace {

template <class T>
bool parse_number(const std::string& str, T& out) {
  auto end = str.data() + str.size();
  auto res = std::from_chars(str.data(), end, out);
  return res.ec == std::errc{} && res.ptr == end;
}

bool parse_option(worker_args& args, const std::string& key,
                  const std::string& value) {
  if (key == "--host")
    args.host = value;
  else if (key == "--port")
    return parse_number(value, args.port);
  else if (key == "--slot")
    return parse_number(value, args.slot);
  else if (key == "--incarnation")
    return parse_number(value, args.incarnation);
  else if (key == "--count")
    return parse_number(value, args.count);
  else if (key == "--components")
    return parse_number(value, args.components) && args.components > 0;
  else if (key == "--seed")
    return parse_number(value, args.seed);
  else if (key == "--log")
    args.log_path = value;
  else if (key == "--out")
    args.out_path = value;
  else if (key == "-D")
    args.overrides.push_back(value);
  else
    return false;
  return true;
}

std::optional<worker_args> parse(int argc, char** argv) {
  if (argc < 2 || argc % 2 != 0)
    return std::nullopt;
  worker_args args;
  args.role = argv[1];
  for (int i = 2; i + 1 < argc; i += 2)
    if (!parse_option(args, argv[i], argv[i + 1]))
      return std::nullopt;
  if (args.port == 0)
    return std::nullopt;
  return args;
}

} // namespace

} // namespace ha::soak

int main(int argc, char** argv) {
  using namespace ha::soak;
  // Before the actor system starts its threads, which inherit the mask.
  ha::app::block_signals();
  auto args = parse(argc, argv);
  if (!args) {
    std::cerr << "usage: soak_worker (contenders|listeners|dump) --port P "
                 "[--host H] [--slot S] [--incarnation I] [--count N] "
                 "[--components C] [--seed X] [--log FILE] [--out FILE] "
                 "[-D key=value]..."
              << std::endl;
    return 2;
  }
  if (args->role == "contenders" && !args->log_path.empty())
    return run_contenders(*args);
  if (args->role == "listeners" && !args->log_path.empty())
    return run_listeners(*args);
  if (args->role == "dump" && !args->out_path.empty())
    return run_dump(*args);
  std::cerr << "soak_worker: unknown role or missing --log/--out" << std::endl;
  return 2;
}
