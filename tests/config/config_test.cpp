#include "caf_ha/config/config.hpp"

#include <algorithm>

#include <catch2/catch.hpp>

#include "tests/config/config_test_support.hpp"

using ha::config;
using ha::ha_mode;
using ha::test::message_of;
using ha::test::temp_yaml;

namespace {

/// Loads `text` as a config file with no overrides.
caf::expected<config> load_text(const std::string& text,
                                std::vector<std::string>* warnings = nullptr) {
  temp_yaml file{text};
  return config::load(file.path(), {}, warnings);
}

} // namespace

TEST_CASE("a default config has every table default and mode NONE",
          "[config]") {
  config cfg;
  CHECK(cfg.mode() == ha_mode::none);
  CHECK(cfg.cluster_id() == "default");
  CHECK(cfg.get_string("high-availability") == "NONE");
  CHECK(cfg.get_int("high-availability.zookeeper.client.session-timeout")
        == 60000);
  CHECK(cfg.get_string("high-availability.zookeeper.path.root") == "/flink");
  CHECK(cfg.get_int("ha.node.port") == 4242);
  CHECK(cfg.get_string("ha.node.host") == "127.0.0.1");
  CHECK(cfg.get_int("jobmanager.rpc.port") == 6123);
  CHECK(cfg.get_int("rest.port") == 8081);
  CHECK_FALSE(cfg.has("high-availability.storageDir"));
  CHECK(cfg.get_string("high-availability.storageDir").empty());
  CHECK_FALSE(cfg.has("no.such.key"));
  CHECK(cfg.get_string("no.such.key").empty());
  CHECK(cfg.get_int("no.such.key") == 0);
}

TEST_CASE("loading no file and no overrides gives the defaults", "[config]") {
  auto cfg = config::load("", {});
  REQUIRE(cfg);
  CHECK(cfg->entries() == config{}.entries());
}

TEST_CASE("unknown mode fails naming the key and the allowed values",
          "[config]") {
  auto cfg = config::load("", {"high-availability=foo"});
  REQUIRE_FALSE(cfg);
  CHECK(message_of(cfg.error())
        == "unknown high-availability mode 'foo' (key high-availability): "
           "expected one of NONE, embedded, sqlite, zookeeper");
}

TEST_CASE("mode names are matched in any case and normalized", "[config]") {
  auto cfg = config::load("", {"high-availability=ZooKeeper"});
  REQUIRE(cfg);
  CHECK(cfg->mode() == ha_mode::zookeeper);
  CHECK(cfg->get_string("high-availability") == "zookeeper");
  REQUIRE_FALSE(cfg->set("high-availability", "none"));
  CHECK(cfg->get_string("high-availability") == "NONE");
  REQUIRE_FALSE(cfg->set("high-availability", "SQLite"));
  CHECK(cfg->mode() == ha_mode::sqlite);
}

TEST_CASE("flink's high-availability.type alias sets the mode", "[config]") {
  SECTION("flat in a file") {
    auto cfg = load_text("high-availability.type: sqlite\n");
    REQUIRE(cfg);
    CHECK(cfg->mode() == ha_mode::sqlite);
  }
  SECTION("nested as type in a file") {
    auto cfg = load_text("high-availability:\n  type: embedded\n");
    REQUIRE(cfg);
    CHECK(cfg->mode() == ha_mode::embedded);
  }
  SECTION("as an override") {
    auto cfg = config::load("", {"high-availability.type=zookeeper"});
    REQUIRE(cfg);
    CHECK(cfg->mode() == ha_mode::zookeeper);
    CHECK(cfg->get_string("high-availability.type") == "zookeeper");
    CHECK(cfg->has("high-availability.type"));
  }
  SECTION("an unknown mode names the alias the user wrote") {
    auto cfg = config::load("", {"high-availability.type=zk"});
    REQUIRE_FALSE(cfg);
    CHECK(message_of(cfg.error())
          == "unknown high-availability mode 'zk' (key "
             "high-availability.type): expected one of NONE, embedded, "
             "sqlite, zookeeper");
  }
}

TEST_CASE("mode and its alias with different values in one file conflict",
          "[config]") {
  temp_yaml file{"high-availability: sqlite\n"
                 "high-availability.type: zookeeper\n"};
  auto cfg = config::load(file.path(), {});
  REQUIRE_FALSE(cfg);
  CHECK(message_of(cfg.error())
        == "conflicting values for high-availability in config file '"
             + file.path()
             + "': 'sqlite' (high-availability, line 1) and 'zookeeper' "
               "(high-availability.type, line 2); give it once");
}

TEST_CASE("mode and its alias with the same value in one file are fine",
          "[config]") {
  auto cfg = load_text("high-availability: zookeeper\n"
                       "high-availability.type: ZOOKEEPER\n");
  REQUIRE(cfg);
  CHECK(cfg->mode() == ha_mode::zookeeper);
}

TEST_CASE("one key given twice in one file with different values conflicts",
          "[config]") {
  temp_yaml file{"rest.port: 9000\n"
                 "rest:\n"
                 "  port: 9001\n"};
  auto cfg = config::load(file.path(), {});
  REQUIRE_FALSE(cfg);
  CHECK(message_of(cfg.error())
        == "conflicting values for rest.port in config file '" + file.path()
             + "': '9000' (rest.port, line 1) and '9001' (rest.port, line "
               "3); give it once");
}

TEST_CASE("override wins over file", "[config]") {
  auto file = temp_yaml{"high-availability: sqlite\n"
                        "high-availability.cluster-id: from-file\n"
                        "rest.port: 9000\n"};
  auto cfg = config::load(file.path(), {"high-availability.cluster-id=cli"});
  REQUIRE(cfg);
  CHECK(cfg->cluster_id() == "cli");
  CHECK(cfg->mode() == ha_mode::sqlite);
  CHECK(cfg->get_int("rest.port") == 9000);
}

TEST_CASE("an override through the alias wins over the file's mode",
          "[config]") {
  auto file = temp_yaml{"high-availability: NONE\n"};
  auto cfg = config::load(file.path(), {"high-availability.type=embedded"});
  REQUIRE(cfg);
  CHECK(cfg->mode() == ha_mode::embedded);
}

TEST_CASE("overrides apply in order and the last one wins", "[config]") {
  auto cfg = config::load("", {"high-availability=sqlite",
                               "high-availability.type=zookeeper",
                               "rest.port=1", "rest.port=2"});
  REQUIRE(cfg);
  CHECK(cfg->mode() == ha_mode::zookeeper);
  CHECK(cfg->get_int("rest.port") == 2);
}

TEST_CASE("override keys and values are trimmed and may contain '='",
          "[config]") {
  auto cfg = config::load("", {" rest.port = 9090 ",
                               "high-availability.storageDir=/a=b"});
  REQUIRE(cfg);
  CHECK(cfg->get_int("rest.port") == 9090);
  CHECK(cfg->get_string("high-availability.storageDir") == "/a=b");
}

TEST_CASE("malformed override fails naming the argument", "[config]") {
  for (auto argument : {"abc", "=value", " = value"}) {
    auto cfg = config::load("", {argument});
    REQUIRE_FALSE(cfg);
    CHECK(message_of(cfg.error())
          == "malformed override '" + std::string{argument}
               + "' (expected key=value)");
  }
}

TEST_CASE("a malformed override with a newline fails in one line",
          "[config]") {
  auto cfg = config::load("", {"\x01;\n"});
  REQUIRE_FALSE(cfg);
  CHECK(message_of(cfg.error())
        == "malformed override '\\x01;\\n' (expected key=value)");
}

TEST_CASE("missing file fails naming the file", "[config]") {
  auto cfg = config::load("/nonexistent/x.yaml", {});
  REQUIRE_FALSE(cfg);
  CHECK(message_of(cfg.error())
        == "cannot read config file '/nonexistent/x.yaml': No such file or "
           "directory");
}

TEST_CASE("a directory as config file fails naming it", "[config]") {
  auto cfg = config::load("/tmp", {});
  REQUIRE_FALSE(cfg);
  CHECK(message_of(cfg.error())
        == "cannot read config file '/tmp': Is a directory");
}

TEST_CASE("malformed yaml fails naming the file, line and column", "[config]") {
  temp_yaml file{"rest.port: 8081\nrest.address: [localhost\n"};
  auto cfg = config::load(file.path(), {});
  REQUIRE_FALSE(cfg);
  auto what = message_of(cfg.error());
  CHECK_THAT(what, Catch::StartsWith("malformed config file '" + file.path()
                                     + "': line "));
  CHECK_THAT(what, Catch::Contains(", column "));
  CHECK(what.find('\n') == std::string::npos);
}

TEST_CASE("a top-level list is not a config file", "[config]") {
  temp_yaml file{"- high-availability: zookeeper\n"};
  auto cfg = config::load(file.path(), {});
  REQUIRE_FALSE(cfg);
  CHECK(message_of(cfg.error())
        == "malformed config file '" + file.path()
             + "': expected key: value pairs at the top level, got a "
               "sequence");
}

TEST_CASE("an empty or comment-only file gives all defaults", "[config]") {
  for (auto text : {"", "\n\n", "# nothing here\n", "---\n"}) {
    auto cfg = load_text(text);
    REQUIRE(cfg);
    CHECK(cfg->entries() == config{}.entries());
  }
}

TEST_CASE("a list value for a known key fails naming the key", "[config]") {
  temp_yaml file{"high-availability.zookeeper.quorum:\n  - a:1\n  - b:2\n"};
  auto cfg = config::load(file.path(), {});
  REQUIRE_FALSE(cfg);
  CHECK(message_of(cfg.error())
        == "invalid value for high-availability.zookeeper.quorum in config "
           "file '" + file.path()
             + "' (line 1): got a sequence, expected a single value");
}

TEST_CASE("a null value for a known key fails naming the key", "[config]") {
  temp_yaml file{"rest.port: 8081\nhigh-availability.storageDir:\n"};
  auto cfg = config::load(file.path(), {});
  REQUIRE_FALSE(cfg);
  CHECK(message_of(cfg.error())
        == "invalid value for high-availability.storageDir in config file '"
             + file.path() + "' (line 2): no value given");
}

TEST_CASE("unknown key warns and is ignored", "[config]") {
  std::vector<std::string> warnings;
  temp_yaml file{"taskmanager.numberOfTaskSlots: 4\n"
                 "env.java.opts:\n"
                 "rest.port: 9000\n"};
  auto cfg = config::load(file.path(), {"foo.bar=1"}, &warnings);
  REQUIRE(cfg);
  CHECK(cfg->get_int("rest.port") == 9000);
  CHECK_FALSE(cfg->has("foo.bar"));
  REQUIRE(warnings.size() == 3);
  CHECK(warnings[0]
        == "ignoring unknown config key 'taskmanager.numberOfTaskSlots' in "
           "config file '" + file.path() + "' (line 1)");
  CHECK_THAT(warnings[1], Catch::Contains("'env.java.opts'"));
  CHECK(warnings[2]
        == "ignoring unknown config key 'foo.bar' in override 'foo.bar=1'");
}

TEST_CASE("an unknown key close to a known one suggests it", "[config]") {
  std::vector<std::string> warnings;
  auto cfg = config::load("", {"high-availability.storagedir=/x",
                               "rest.prot=1"},
                          &warnings);
  REQUIRE(cfg);
  REQUIRE(warnings.size() == 2);
  CHECK_THAT(warnings[0], Catch::EndsWith(
                            "; did you mean 'high-availability.storageDir'?"));
  CHECK_THAT(warnings[1], Catch::EndsWith("; did you mean 'rest.port'?"));
}

TEST_CASE("unknown keys are ignored silently without a warnings list",
          "[config]") {
  config cfg;
  CHECK_FALSE(cfg.set("foo", "bar"));
  CHECK(cfg.entries() == config{}.entries());
}

TEST_CASE("nested and flat yaml give the same config", "[config]") {
  auto flat = load_text(
    "high-availability: zookeeper\n"
    "high-availability.cluster-id: prod\n"
    "high-availability.zookeeper.quorum: zk1:2181,zk2:2181\n"
    "high-availability.zookeeper.client.session-timeout: 2000\n"
    "ha.node.port: 0\n");
  auto nested = load_text("high-availability:\n"
                          "  type: zookeeper\n"
                          "  cluster-id: prod\n"
                          "  zookeeper:\n"
                          "    quorum: zk1:2181,zk2:2181\n"
                          "    client: {session-timeout: 2000}\n"
                          "ha:\n"
                          "  node:\n"
                          "    port: 0\n");
  auto mixed = load_text("high-availability.type: zookeeper\n"
                         "high-availability: {cluster-id: prod}\n"
                         "high-availability.zookeeper:\n"
                         "  quorum: 'zk1:2181,zk2:2181'\n"
                         "  client.session-timeout: \"2000\"\n"
                         "ha.node: {port: 0}\n");
  REQUIRE(flat);
  REQUIRE(nested);
  REQUIRE(mixed);
  CHECK(flat->get_int("ha.node.port") == 0);
  CHECK(flat->entries() == nested->entries());
  CHECK(flat->entries() == mixed->entries());
}

TEST_CASE("a failed set keeps the previous value", "[config]") {
  config cfg;
  REQUIRE_FALSE(cfg.set("rest.port", "9000"));
  auto err = cfg.set("rest.port", "http");
  CHECK(message_of(err)
        == "invalid value 'http' for rest.port: expected a port number "
           "1..65535");
  CHECK(cfg.get_int("rest.port") == 9000);
}

TEST_CASE("a failed load reports the first bad value", "[config]") {
  auto cfg = config::load("", {"rest.port=1", "ha.node.port=-1",
                               "high-availability=bad"});
  REQUIRE_FALSE(cfg);
  CHECK_THAT(message_of(cfg.error()),
             Catch::StartsWith("invalid value '-1' for ha.node.port"));
}

TEST_CASE("entries lists every effective value sorted by key", "[config]") {
  auto cfg = config::load("", {"high-availability.storageDir=/data"});
  REQUIRE(cfg);
  auto entries = cfg->entries();
  CHECK(std::is_sorted(entries.begin(), entries.end()));
  // Every option with a default, plus the one set without a default.
  auto with_default = std::count_if(
    ha::option_table().begin(), ha::option_table().end(),
    [](const ha::option& x) { return !x.default_value.empty(); });
  CHECK(entries.size() == static_cast<size_t>(with_default) + 1);
  CHECK(std::find(entries.begin(), entries.end(),
                  std::pair<std::string, std::string>{
                    "high-availability.storageDir", "/data"})
        != entries.end());
}

TEST_CASE("check_required names the key a mode is missing", "[config]") {
  auto sqlite = config::load("", {"high-availability=sqlite"});
  REQUIRE(sqlite);
  CHECK(message_of(sqlite->check_required())
        == "high-availability sqlite requires high-availability.storageDir, "
           "which has no default");
  auto zookeeper = config::load("", {"high-availability=zookeeper",
                                     "high-availability.storageDir=/d"});
  REQUIRE(zookeeper);
  CHECK(message_of(zookeeper->check_required())
        == "high-availability zookeeper requires "
           "high-availability.zookeeper.quorum, which has no default");
  CHECK_FALSE(config{}.check_required());
}

TEST_CASE("a heartbeat timeout not above the interval is refused naming "
          "both keys and values", "[config]") {
  for (auto timeout : {"500", "1000"}) {
    auto cfg = config::load("", {"ha.heartbeat.interval=1000",
                                 std::string{"ha.heartbeat.timeout="}
                                   + timeout});
    REQUIRE(cfg);
    auto expected = std::string{"ha.heartbeat.timeout ("} + timeout
                    + " ms) must be larger than ha.heartbeat.interval (1000 "
                      "ms): a peer would count as failed between two "
                      "heartbeats";
    CHECK(message_of(cfg->check_consistent()) == expected);
    CHECK(message_of(cfg->check_required()) == expected);
  }
  auto fine = config::load("", {"ha.heartbeat.interval=1000",
                                "ha.heartbeat.timeout=1001"});
  REQUIRE(fine);
  CHECK_FALSE(fine->check_consistent());
  CHECK_FALSE(config{}.check_consistent());
}

TEST_CASE("every example config loads", "[config]") {
  const std::string dir = CAF_HA_SOURCE_DIR "/config/";
  std::pair<const char*, ha_mode> examples[] = {
    {"none.yaml", ha_mode::none},
    {"embedded.yaml", ha_mode::embedded},
    {"sqlite.yaml", ha_mode::sqlite},
    {"zookeeper.yaml", ha_mode::zookeeper},
  };
  for (auto [file, mode] : examples) {
    INFO(file);
    std::vector<std::string> warnings;
    auto cfg = config::load(dir + file, {}, &warnings);
    REQUIRE(cfg);
    CHECK(warnings.empty());
    CHECK(cfg->mode() == mode);
    CHECK_FALSE(cfg->check_required());
  }
}

TEST_CASE("a conflict between multi-line values is reported in one line",
          "[config]") {
  // Found by fuzz_config: a scalar may hold a line break.
  auto cfg = load_text("high-availability.storageDir: /data\n"
                       "high-availability.storageDir: \"/data\\nx\"\n");
  REQUIRE_FALSE(cfg);
  auto what = message_of(cfg.error());
  CHECK(what.find('\n') == std::string::npos);
  CHECK_THAT(what, Catch::Contains("'/data' (high-availability.storageDir, "
                                    "line 1) and '/data\\nx'"));
}

TEST_CASE("a config file name with a newline is named in one line",
          "[config]") {
  auto cfg = config::load("/nonexistent/a\nb.yaml", {});
  REQUIRE_FALSE(cfg);
  CHECK(message_of(cfg.error())
        == "cannot read config file '/nonexistent/a\\nb.yaml': No such file "
           "or directory");
}
