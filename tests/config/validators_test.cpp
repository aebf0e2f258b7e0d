#include "caf_ha/config/validators.hpp"

#include <catch2/catch.hpp>

#include "caf_ha/config/config.hpp"
#include "tests/config/config_test_support.hpp"

using ha::config;
using ha::test::message_of;

namespace {

/// The error message `config::set` gives for `key=value`.
std::string error_for(const std::string& key, const std::string& value) {
  config cfg;
  return message_of(cfg.set(key, value));
}

/// The stored value after `config::set(key, value)`, or the error message.
std::string stored(const std::string& key, const std::string& value) {
  config cfg;
  if (auto err = cfg.set(key, value))
    return message_of(err);
  return cfg.get_string(key);
}

constexpr auto session_timeout
  = "high-availability.zookeeper.client.session-timeout";
constexpr auto quorum = "high-availability.zookeeper.quorum";
constexpr auto root = "high-availability.zookeeper.path.root";
constexpr auto storage_dir = "high-availability.storageDir";
constexpr auto cluster_id = "high-availability.cluster-id";

} // namespace

TEST_CASE("every default in the option table passes its own check",
          "[config]") {
  for (auto& opt : ha::option_table()) {
    INFO(opt.key);
    CHECK(opt.validate != nullptr);
    CHECK_FALSE(opt.doc.empty());
    if (!opt.default_value.empty())
      CHECK(stored(opt.key, opt.default_value) == opt.default_value);
  }
}

TEST_CASE("non-numeric timeout fails naming the key and value", "[config]") {
  CHECK(error_for(session_timeout, "abc")
        == "invalid value 'abc' for "
           "high-availability.zookeeper.client.session-timeout: expected a "
           "positive integer (milliseconds)");
  CHECK(error_for(session_timeout, "60 s")
        == "invalid value '60 s' for "
           "high-availability.zookeeper.client.session-timeout: expected a "
           "positive integer (milliseconds)");
}

TEST_CASE("zero, negative and oversized timeouts fail", "[config]") {
  for (auto key : {session_timeout,
                   "high-availability.zookeeper.client.connection-timeout",
                   "high-availability.zookeeper.client.retry-wait"}) {
    INFO(key);
    CHECK_THAT(error_for(key, "0"), Catch::Contains("positive integer"));
    CHECK_THAT(error_for(key, "-5"), Catch::Contains("positive integer"));
    CHECK_THAT(error_for(key, "2147483648"),
               Catch::EndsWith("up to 2147483647"));
    CHECK_THAT(error_for(key, "99999999999999999999999"),
               Catch::Contains("positive integer"));
  }
}

TEST_CASE("integers are normalized", "[config]") {
  CHECK(stored(session_timeout, "002000") == "2000");
  CHECK(stored(session_timeout, " 2000 ") == "2000");
  CHECK(stored("ha.node.port", "00") == "0");
}

TEST_CASE("max retry attempts accepts zero but not a negative number",
          "[config]") {
  auto key = "high-availability.zookeeper.client.max-retry-attempts";
  CHECK(stored(key, "0") == "0");
  CHECK(error_for(key, "-1")
        == "invalid value '-1' for "
           "high-availability.zookeeper.client.max-retry-attempts: expected "
           "an integer >= 0");
}

TEST_CASE("ports outside their range fail naming the range", "[config]") {
  CHECK(error_for("rest.port", "0")
        == "invalid value '0' for rest.port: expected a port number "
           "1..65535");
  CHECK_THAT(error_for("jobmanager.rpc.port", "65536"),
             Catch::EndsWith("expected a port number 1..65535"));
  CHECK(stored("ha.node.port", "0") == "0");
  CHECK(stored("ha.node.port", "65535") == "65535");
  CHECK(error_for("ha.node.port", "65536")
        == "invalid value '65536' for ha.node.port: expected a port number "
           "0..65535 (0 picks a free port)");
}

TEST_CASE("cluster id must be a safe file and node name", "[config]") {
  CHECK(stored(cluster_id, "prod_1.a-B") == "prod_1.a-B");
  auto expected = std::string{": expected 1 to 255 letters, digits, '.', "
                              "'_' or '-' (not '.' or '..')"};
  CHECK(error_for(cluster_id, "a/b")
        == "invalid value 'a/b' for high-availability.cluster-id" + expected);
  for (auto bad : {"", "..", ".", "a b", "x:y", "ü"}) {
    INFO(bad);
    CHECK_THAT(error_for(cluster_id, bad), Catch::EndsWith(expected));
  }
  CHECK_THAT(error_for(cluster_id, std::string(256, 'a')),
             Catch::EndsWith(expected));
}

TEST_CASE("storage dir strips file:// and rejects other schemes", "[config]") {
  CHECK(stored(storage_dir, "file:///var/ha") == "/var/ha");
  CHECK(stored(storage_dir, "file:/var/ha") == "/var/ha");
  CHECK(stored(storage_dir, "file://./ha-data") == "./ha-data");
  CHECK(stored(storage_dir, "./ha-data") == "./ha-data");
  CHECK(error_for(storage_dir, "hdfs://nn/ha")
        == "invalid value 'hdfs://nn/ha' for high-availability.storageDir: "
           "expected a local path or a file:// URI");
  CHECK_THAT(error_for(storage_dir, "file://"),
             Catch::Contains("expected a local path"));
  CHECK_THAT(error_for(storage_dir, ""),
             Catch::Contains("expected a local path"));
}

TEST_CASE("quorum accepts host:port lists and drops spaces", "[config]") {
  CHECK(stored(quorum, "127.0.0.1:2181") == "127.0.0.1:2181");
  CHECK(stored(quorum, "zk1:2181, zk2:2182 ,zk-3.example.com:2183")
        == "zk1:2181,zk2:2182,zk-3.example.com:2183");
  CHECK(stored(quorum, "[::1]:2181,[fe80::1]:2182")
        == "[::1]:2181,[fe80::1]:2182");
}

TEST_CASE("malformed quorum fails naming the bad entry", "[config]") {
  CHECK(error_for(quorum, "zk1:2181,zk2")
        == "invalid value 'zk1:2181,zk2' for "
           "high-availability.zookeeper.quorum: expected a comma separated "
           "list of host:port with ports 1..65535, e.g. zk1:2181,zk2:2181 "
           "(bad entry 'zk2')");
  for (auto bad : {"", "zk1:2181,", ":2181", "zk1:", "zk1:0", "zk1:65536",
                   "zk1:21a", "::1:2181", "[::1:2181", "zk1:2181/chroot",
                   "zk 1:2181"}) {
    INFO(bad);
    CHECK_THAT(error_for(quorum, bad), Catch::Contains("bad entry"));
  }
}

TEST_CASE("zookeeper root path must be absolute without a trailing slash",
          "[config]") {
  CHECK(stored(root, "/") == "/");
  CHECK(stored(root, "/flink/ha") == "/flink/ha");
  CHECK(error_for(root, "flink")
        == "invalid value 'flink' for high-availability.zookeeper.path.root: "
           "expected an absolute ZooKeeper path such as /flink (starting "
           "with '/', no trailing '/', no empty, '.' or '..' segments, no "
           "control characters)");
  for (auto bad : {"", "/flink/", "//flink", "/a//b", "/a/./b", "/a/..",
                   "/a\nb", "/a/b\x7f", "/\x01"}) {
    INFO(bad);
    CHECK_THAT(error_for(root, bad), Catch::Contains("absolute ZooKeeper"));
  }
}

TEST_CASE("hosts must be non-empty names or addresses", "[config]") {
  CHECK(stored("ha.node.host", "0.0.0.0") == "0.0.0.0");
  CHECK(stored("ha.node.host", "::1") == "::1");
  CHECK(stored("rest.address", "web-1.example.com")
        == "web-1.example.com");
  CHECK(error_for("ha.node.host", "")
        == "invalid value '' for ha.node.host: expected a host name or IP "
           "address");
  CHECK_THAT(error_for("jobmanager.rpc.address", "http://x"),
             Catch::Contains("expected a host name"));
}

TEST_CASE("a value with a newline is shown escaped on one line", "[config]") {
  auto what = error_for("rest.port", "80\n81");
  CHECK(what == "invalid value '80\\n81' for rest.port: expected a port "
                "number 1..65535");
  auto long_value = error_for("rest.port", std::string(500, '9'));
  CHECK(long_value.size() < 250);
}

TEST_CASE("fail-back names components by their canonical names, or all of "
          "them with *, and refuses anything else naming the value",
          "[config]") {
  auto key = "ha.election.fail-back";
  CHECK(stored(key, "dispatcher, resource_manager") ==
        "dispatcher,resource_manager");
  CHECK(stored(key, "*") == "*");
  CHECK(stored(key, "job_manager/0123456789ABCDEF0123456789abcdef")
        == "job_manager/0123456789abcdef0123456789abcdef");
  for (auto bad : {"dispatcher,,rest", "dispatcher,", "bogus", "dis patcher"})
    CHECK(error_for(key, bad)
          == std::string{"invalid value '"} + bad
               + "' for ha.election.fail-back: expected component names "
                 "separated by commas, or *");
}
