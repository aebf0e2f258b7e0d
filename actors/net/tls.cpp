#include "caf_ha/actors/net/tls.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include <caf/openssl/manager.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "caf_ha/config/config.hpp"
#include "caf_ha/config/secret_file.hpp"
#include "caf_ha/messages/errors.hpp"

namespace ha {

namespace {

const std::string certificate_key = "ha.tls.certificate";
const std::string private_key_key = "ha.tls.key";
const std::string ca_file_key = "ha.tls.ca-file";
const std::string passphrase_key = "ha.tls.passphrase";
const std::string passphrase_file_key = "ha.tls.passphrase-file";

caf::error tls_error(const std::string& what) {
  return make_error(errc::invalid_config, what);
}

/// The mandatory keys that are set; an error naming the first missing one
/// when only some are.
caf::expected<bool> tls_configured(const config& cfg) {
  const std::string* missing = nullptr;
  auto given = 0;
  for (auto key : {&certificate_key, &private_key_key, &ca_file_key}) {
    if (cfg.has(*key))
      ++given;
    else if (missing == nullptr)
      missing = key;
  }
  if (given == 0 && !cfg.has(passphrase_key) && !cfg.has(passphrase_file_key))
    return false;
  if (missing != nullptr)
    return tls_error("TLS needs " + certificate_key + ", " + private_key_key
                     + " and " + ca_file_key + " together; " + *missing
                     + " is not set");
  return true;
}

caf::error check_readable(const std::string& key, const std::string& path) {
  std::ifstream in{path};
  if (!in)
    return tls_error("cannot read " + key + " '" + path
                     + "': " + std::strerror(errno));
  return {};
}

/// OpenSSL's queued errors as one line, emptying the queue.
std::string openssl_errors() {
  std::string result;
  while (auto code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!result.empty())
      result += "; ";
    result += buf;
  }
  return result;
}

caf::error openssl_rejected(const std::string& key, const std::string& path,
                            const std::string& expected) {
  return tls_error(key + " '" + path + "' is not " + expected + " ("
                   + openssl_errors() + ")");
}

/// Hands the passphrase to OpenSSL. Installed even without a passphrase:
/// OpenSSL's default would prompt on the terminal for an encrypted key.
int passphrase_callback(char* buf, int size, int, void* user_data) {
  auto passphrase = static_cast<const std::string*>(user_data);
  auto length = std::min(static_cast<int>(passphrase->size()), size);
  std::memcpy(buf, passphrase->data(), static_cast<size_t>(length));
  return length;
}

/// The passphrase from `ha.tls.passphrase` or `ha.tls.passphrase-file` (at
/// most one of them); empty if neither is set.
caf::expected<std::string> passphrase_of(const config& cfg) {
  auto& file = cfg.get_string(passphrase_file_key);
  if (file.empty())
    return cfg.get_string(passphrase_key);
  if (cfg.has(passphrase_key))
    return tls_error("set only one of " + passphrase_key + " and "
                     + passphrase_file_key);
  return read_secret_file(passphrase_file_key, file);
}

/// Loads the files into a throwaway context the way CAF will, so that a bad
/// file fails at start-up with its key named.
caf::error check_loadable(const config& cfg, std::string passphrase) {
  using context_ptr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;
  context_ptr ctx{SSL_CTX_new(TLS_method()), SSL_CTX_free};
  if (!ctx)
    return tls_error("cannot create an OpenSSL context: " + openssl_errors());
  const auto& certificate = cfg.get_string(certificate_key);
  const auto& private_key = cfg.get_string(private_key_key);
  const auto& ca_file = cfg.get_string(ca_file_key);
  SSL_CTX_set_default_passwd_cb(ctx.get(), passphrase_callback);
  SSL_CTX_set_default_passwd_cb_userdata(ctx.get(), &passphrase);
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), certificate.c_str()) != 1)
    return openssl_rejected(certificate_key, certificate,
                            "a PEM certificate");
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), private_key.c_str(),
                                  SSL_FILETYPE_PEM)
      != 1)
    return openssl_rejected(private_key_key, private_key,
                            "a PEM private key that " + passphrase_key
                              + " (or " + passphrase_file_key + ") unlocks");
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return openssl_rejected(private_key_key, private_key,
                            "the key of " + certificate_key + " '"
                              + certificate + "'");
  if (SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr) != 1)
    return openssl_rejected(ca_file_key, ca_file, "a PEM CA certificate");
  return {};
}

} // namespace

caf::error apply_tls_settings(caf::actor_system_config& sys_cfg,
                              const config& cfg) {
  auto configured = tls_configured(cfg);
  if (!configured)
    return std::move(configured.error());
  if (!*configured)
    return {};
  for (auto key : {&certificate_key, &private_key_key, &ca_file_key})
    if (auto err = check_readable(*key, cfg.get_string(*key)))
      return err;
  auto passphrase = passphrase_of(cfg);
  if (!passphrase)
    return std::move(passphrase.error());
  if (auto err = check_loadable(cfg, *passphrase))
    return err;
  sys_cfg.load<caf::openssl::manager>();
  sys_cfg.openssl_certificate = cfg.get_string(certificate_key);
  sys_cfg.openssl_key = cfg.get_string(private_key_key);
  sys_cfg.openssl_cafile = cfg.get_string(ca_file_key);
  sys_cfg.openssl_passphrase = std::move(*passphrase);
  return {};
}

} // namespace ha
