// Mutual TLS between ha-node and hactl, with a CA and certificates made by
// the openssl command line: peers with a certificate from the cluster's CA
// work as over plain TCP; a peer without one, with one from another CA, or
// speaking plain TCP is refused, and ha-node keeps serving the good ones.
// Bad TLS settings stop ha-node and hactl at start-up, naming the key.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/support/cluster.hpp"
#include "tests/support/tls_certs.hpp"

using namespace ha::test;

namespace {

const std::string node_passphrase = "node-secret";

std::vector<std::string> concat(std::vector<std::string> xs,
                                const std::vector<std::string>& ys) {
  xs.insert(xs.end(), ys.begin(), ys.end());
  return xs;
}

/// An ha-node that speaks only mutual TLS, with a passphrase-protected key
/// whose passphrase it reads from a file, and the CA that signed its
/// certificate.
struct tls_cluster {
  test_ca ca{"caf-ha-test-ca"};
  tls_identity node_identity = ca.issue("ha-node", node_passphrase);
  tls_identity client_identity = ca.issue("hactl");
  running_node node{
    concat(tls_args(node_identity, ca.ca_file()),
           {"-D", "ha.tls.passphrase-file="
                    + ca.secret_file("passphrase", node_passphrase)})};

  /// The options of a good client.
  std::vector<std::string> client_args() const {
    return tls_args(client_identity, ca.ca_file());
  }
};

uint16_t port_of(const running_node& node) {
  auto colon = node.endpoint.rfind(':');
  return static_cast<uint16_t>(std::stoi(node.endpoint.substr(colon + 1)));
}

/// `hactl leader get` with `tls_options` succeeds.
void expect_served(const running_node& node,
                   const std::vector<std::string>& tls_options) {
  auto client = hactl(node.endpoint,
                      concat(tls_options, {"leader", "get", "dispatcher"}));
  CHECK(next_event(*client)["event"] == "leader");
  CHECK(client->wait(10s) == 0);
  CHECK_FALSE(node.process->wait(0ms)); // ha-node still runs
}

/// `hactl leader get` with `tls_options` exits non-zero, printing no answer
/// and saying that it cannot reach the node.
void expect_refused(const running_node& node,
                    const std::vector<std::string>& tls_options) {
  auto client = hactl(node.endpoint,
                      concat(tls_options, {"leader", "get", "dispatcher"}));
  auto code = client->wait(20s);
  REQUIRE(code);
  CHECK(*code != 0);
  CHECK_FALSE(client->read_line(0ms));
  CHECK_THAT(client->error_output(),
             Catch::Contains("cannot reach ha-node at " + node.endpoint));
}

/// Closes a socket and frees an OpenSSL object when the probe returns.
struct tls_probe_resources {
  int fd = -1;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  ~tls_probe_resources() {
    if (ssl != nullptr)
      SSL_free(ssl);
    if (ctx != nullptr)
      SSL_CTX_free(ctx);
    if (fd >= 0)
      close(fd);
  }
};

/// A TLS client written against OpenSSL directly, so that it can do what
/// hactl never does: connect without a certificate. True if the TLS
/// handshake succeeds and ha-node then sends data (its CAF handshake).
bool node_talks_to_tls_client(uint16_t port, const std::string& ca_file,
                              const tls_identity* who) {
  tls_probe_resources res;
  res.fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(res.fd >= 0);
  timeval timeout{5, 0};
  setsockopt(res.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(res.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr))
          == 0);
  res.ctx = SSL_CTX_new(TLS_client_method());
  REQUIRE(res.ctx != nullptr);
  REQUIRE(SSL_CTX_load_verify_locations(res.ctx, ca_file.c_str(), nullptr)
          == 1);
  SSL_CTX_set_verify(res.ctx, SSL_VERIFY_PEER, nullptr);
  if (who != nullptr) {
    REQUIRE(SSL_CTX_use_certificate_chain_file(res.ctx,
                                               who->certificate.c_str())
            == 1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(res.ctx, who->key.c_str(),
                                        SSL_FILETYPE_PEM)
            == 1);
  }
  res.ssl = SSL_new(res.ctx);
  SSL_set_fd(res.ssl, res.fd);
  if (SSL_connect(res.ssl) != 1)
    return false;
  // With TLS 1.3 the server checks the client's certificate after the
  // client's side of the handshake is done: only data proves acceptance.
  char first_byte;
  return SSL_read(res.ssl, &first_byte, 1) == 1;
}

} // namespace

TEST_CASE("over mutual TLS, hactl contends, is confirmed and leader get sees "
          "it") {
  tls_cluster cluster;
  auto contender = hactl(cluster.node.endpoint,
                         concat(cluster.client_args(),
                                {"contend", "dispatcher", "--address",
                                 "tls-master:6123"}));
  auto event = next_event(*contender);
  if (event["event"] == "joined")
    event = next_event(*contender);
  CHECK(event["event"] == "granted");
  CHECK(next_event(*contender)["event"] == "confirmed");
  auto getter = hactl(cluster.node.endpoint,
                      concat(cluster.client_args(),
                             {"leader", "get", "dispatcher"}));
  auto leader = next_event(*getter);
  CHECK(leader["event"] == "leader");
  CHECK(leader["address"] == "tls-master:6123");
  CHECK(getter->wait(10s) == 0);
}

TEST_CASE("a TLS node refuses clients without a certificate from its CA and "
          "keeps serving the good ones") {
  tls_cluster cluster;
  auto good = cluster.client_args();
  test_ca other_ca{"other-ca"};
  auto impostor = other_ca.issue("impostor");
  auto port = port_of(cluster.node);
  SECTION("a TLS client without a certificate gets no data; with one, it "
          "does") {
    CHECK_FALSE(node_talks_to_tls_client(port, cluster.ca.ca_file(), nullptr));
    CHECK(node_talks_to_tls_client(port, cluster.ca.ca_file(),
                                   &cluster.client_identity));
  }
  SECTION("a client trusting the node's CA but with a certificate from "
          "another CA: only the node's check can refuse it") {
    CHECK_FALSE(node_talks_to_tls_client(port, cluster.ca.ca_file(),
                                         &impostor));
    expect_refused(cluster.node, tls_args(impostor, cluster.ca.ca_file()));
  }
  SECTION("a client entirely from another CA") {
    expect_refused(cluster.node, tls_args(impostor, other_ca.ca_file()));
  }
  SECTION("a plain-TCP client") {
    expect_refused(cluster.node, {});
  }
  expect_served(cluster.node, good);
}

TEST_CASE("a TLS client refuses a node whose certificate is from another "
          "CA") {
  test_ca ca{"caf-ha-test-ca"};
  test_ca other_ca{"other-ca"};
  running_node node{tls_args(other_ca.issue("rogue-node"),
                             other_ca.ca_file())};
  expect_refused(node, tls_args(ca.issue("hactl"), ca.ca_file()));
}

TEST_CASE("bad TLS settings stop ha-node at start-up, naming the key") {
  test_ca ca{"caf-ha-test-ca"};
  auto node_identity = ca.issue("ha-node", node_passphrase);
  auto all = tls_args(node_identity, ca.ca_file());
  auto node = [](std::vector<std::string> args) {
    args.insert(args.begin(), {binary("ha-node"), "-D", "ha.node.port=0"});
    return run_to_end(args);
  };
  SECTION("certificate without key and CA") {
    auto out = node({"-D", "ha.tls.certificate=" + node_identity.certificate});
    CHECK(out.exit_code == 1);
    CHECK_THAT(out.stderr_text, Catch::Contains("ha.tls.key")
                                  && Catch::Contains("not set"));
  }
  SECTION("a CA file that does not exist") {
    auto out = node(concat(all, {"-D", "ha.tls.ca-file=/nonexistent/ca.pem",
                                 "-D",
                                 "ha.tls.passphrase=" + node_passphrase}));
    CHECK(out.exit_code == 1);
    CHECK_THAT(out.stderr_text, Catch::Contains("ha.tls.ca-file")
                                  && Catch::Contains("/nonexistent/ca.pem"));
  }
  SECTION("an encrypted key without its passphrase") {
    auto out = node(all);
    CHECK(out.exit_code == 1);
    CHECK_THAT(out.stderr_text, Catch::Contains("ha.tls.key")
                                  && Catch::Contains("ha.tls.passphrase"));
  }
  SECTION("a passphrase file with another passphrase") {
    auto out = node(concat(all, {"-D", "ha.tls.passphrase-file="
                                         + ca.secret_file("wrong", "nope")}));
    CHECK(out.exit_code == 1);
    CHECK_THAT(out.stderr_text, Catch::Contains("ha.tls.key")
                                  && Catch::Contains("ha.tls.passphrase-file"));
  }
  SECTION("a passphrase both inline and in a file") {
    auto out = node(concat(all, {"-D", "ha.tls.passphrase=" + node_passphrase,
                                 "-D", "ha.tls.passphrase-file="
                                         + ca.secret_file("p", node_passphrase)}));
    CHECK(out.exit_code == 1);
    CHECK_THAT(out.stderr_text,
               Catch::Contains("set only one of ha.tls.passphrase and "
                               "ha.tls.passphrase-file"));
  }
  SECTION("a certificate file that holds a key") {
    auto out = node(concat(all, {"-D",
                                 "ha.tls.certificate=" + node_identity.key,
                                 "-D",
                                 "ha.tls.passphrase=" + node_passphrase}));
    CHECK(out.exit_code == 1);
    CHECK_THAT(out.stderr_text, Catch::Contains("ha.tls.certificate"));
  }
}

TEST_CASE("hactl with part of the TLS settings fails naming the missing key") {
  auto out = run_to_end({binary("hactl"), "--connect", "127.0.0.1:1", "-D",
                         "ha.tls.certificate=/tmp/x.pem", "-D",
                         "ha.tls.key=/tmp/x.key", "leader", "get",
                         "dispatcher"});
  CHECK(out.exit_code != 0);
  CHECK_THAT(out.stderr_text, Catch::Contains("ha.tls.ca-file"));
}
