#pragma once

// A throwaway certificate authority for the TLS tests, made with the
// openssl command line exactly as the README shows it.

#include <string>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace ha::test {

/// A certificate and its private key, as PEM files.
struct tls_identity {
  std::string certificate;
  std::string key;
};

/// A CA (EC P-256, valid for two days) in its own temporary directory. It
/// issues certificates for the processes of one test; a second instance is
/// "another CA" whose certificates the first one's peers must refuse.
class test_ca {
public:
  /// Creates the CA's key and self-signed certificate. Fails the test if
  /// openssl fails.
  explicit test_ca(const std::string& name);

  /// The CA certificate, for `ha.tls.ca-file`.
  std::string ca_file() const;

  /// A new key and a certificate for `name` signed by this CA. With a
  /// passphrase, the key file is encrypted with it (AES-256).
  tls_identity issue(const std::string& name,
                     const std::string& passphrase = "") const;

  /// A file `name` next to the CA holding `secret` and a newline, readable
  /// only by its owner: for `ha.tls.passphrase-file` and the like.
  std::string secret_file(const std::string& name,
                          const std::string& secret) const;

private:
  std::string path(const std::string& file) const;

  temp_dir dir_;
};

/// The `-D` overrides that make ha-node or hactl present `who` and trust
/// the CA in `ca_file`.
std::vector<std::string> tls_args(const tls_identity& who,
                                  const std::string& ca_file);

} // namespace ha::test
