#include "tests/support/tls_certs.hpp"

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "tests/support/child_process.hpp"

namespace ha::test {

namespace {

/// Runs the openssl command line with `args` and requires success.
void openssl(std::vector<std::string> args) {
  args.insert(args.begin(), "/usr/bin/openssl");
  child_process proc{args};
  auto code = proc.wait(std::chrono::seconds{20});
  INFO("openssl " << args[1] << ": " << proc.error_output());
  REQUIRE(code == 0);
}

/// A new EC P-256 key in `key` and a request or a self-signed certificate
/// (with `-x509`) for the common name `name` in `out`.
void new_key(const std::string& key, const std::string& out,
             const std::string& name, bool self_signed) {
  std::vector<std::string> args{"req", "-new", "-newkey", "ec", "-pkeyopt",
                                "ec_paramgen_curve:prime256v1", "-noenc",
                                "-keyout", key, "-out", out, "-subj",
                                "/CN=" + name};
  if (self_signed)
    args.insert(args.end(), {"-x509", "-days", "2"});
  openssl(args);
}

} // namespace

test_ca::test_ca(const std::string& name) {
  new_key(path("ca.key"), ca_file(), name, true);
}

std::string test_ca::ca_file() const {
  return path("ca.pem");
}

tls_identity test_ca::issue(const std::string& name,
                            const std::string& passphrase) const {
  tls_identity result{path(name + ".pem"), path(name + ".key")};
  auto request = path(name + ".csr");
  new_key(result.key, request, name, false);
  openssl({"x509", "-req", "-in", request, "-CA", ca_file(), "-CAkey",
           path("ca.key"), "-CAcreateserial", "-days", "2", "-out",
           result.certificate});
  if (!passphrase.empty()) {
    auto encrypted = path(name + ".enc.key");
    openssl({"pkey", "-in", result.key, "-aes256", "-passout",
             "pass:" + passphrase, "-out", encrypted});
    result.key = encrypted;
  }
  return result;
}

std::string test_ca::secret_file(const std::string& name,
                                 const std::string& secret) const {
  auto result = path(name);
  {
    std::ofstream out{result, std::ios::trunc};
    out << secret << "\n";
    REQUIRE(out);
  }
  std::filesystem::permissions(result, std::filesystem::perms::owner_read
                                         | std::filesystem::perms::owner_write);
  return result;
}

std::string test_ca::path(const std::string& file) const {
  return (dir_.path() / file).string();
}

std::vector<std::string> tls_args(const tls_identity& who,
                                  const std::string& ca_file) {
  return {"-D", "ha.tls.certificate=" + who.certificate,
          "-D", "ha.tls.key=" + who.key,
          "-D", "ha.tls.ca-file=" + ca_file};
}

} // namespace ha::test
