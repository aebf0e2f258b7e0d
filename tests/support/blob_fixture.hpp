#pragma once

// A blob store on real files in a fresh temporary directory, driven through
// a real actor system: the store runs detached, which CAF's deterministic test
// scheduler does not drive. Requests wait at most `reply_timeout`. Helpers
// live in their own namespace so they cannot clash with other test support.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "caf_ha/actors/client/blob_client.hpp"
#include "caf_ha/actors/blob_store.hpp"
#include "caf_ha/backends/file/file_blob_storage.hpp"
#include "caf_ha/messages/blob_store.hpp"
#include "caf_ha/messages/errors.hpp"
#include "caf_ha/messages/type_registry.hpp"
#include "tests/support/faulty_blob_storage.hpp"
#include "tests/support/temp_dir.hpp"

namespace ha::blob_test {

using test::faulty_blob_storage;
using test::temp_dir;

constexpr auto reply_timeout = std::chrono::seconds(10);

struct blob_test_config : caf::actor_system_config {
  blob_test_config() {
    register_types(*this);
    register_blob_types(*this);
  }
};

inline std::vector<uint8_t> random_content(size_t size, uint32_t seed) {
  std::mt19937 gen{seed};
  std::vector<uint8_t> result(size);
  for (auto& byte : result)
    byte = static_cast<uint8_t>(gen());
  return result;
}

inline void write_file(const std::string& path,
                       const std::vector<uint8_t>& bytes) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

inline std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>{in}, {}};
}

inline job_id make_job(uint8_t n) {
  job_id id;
  id.bytes.fill(n);
  return id;
}

struct blob_fixture {
  blob_test_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  temp_dir dir;
  /// Where the store keeps this cluster's blobs; `dir/cluster` also holds
  /// a file of "another service" that cleanup must not touch.
  std::string root = dir.str() + "/cluster/blob";
  std::shared_ptr<faulty_blob_storage> storage
    = std::make_shared<faulty_blob_storage>(
      std::make_shared<file_blob_storage>());
  /// The store's clock, in milliseconds; moved only by tests.
  std::shared_ptr<std::atomic<int64_t>> now_ms
    = std::make_shared<std::atomic<int64_t>>(0);
  blob_store_impl store;
  job_id job_a = make_job(0xAA);
  job_id job_b = make_job(0xBB);
  int files_made = 0;
  /// The store's chunk limit, which `put` keeps to.
  uint32_t store_chunk_limit;

  explicit blob_fixture(uint32_t max_chunk_size = 8 * default_blob_chunk_size,
                        uint32_t max_uploads_per_peer = 4,
                        uint32_t max_uploads = 64)
    : store_chunk_limit(max_chunk_size) {
    blob_store_config store_cfg;
    store_cfg.root = root;
    store_cfg.storage = storage;
    store_cfg.max_chunk_size = max_chunk_size;
    store_cfg.max_uploads_per_peer = max_uploads_per_peer;
    store_cfg.owner = self->address();
    store_cfg.max_uploads = max_uploads;
    store_cfg.upload_timeout = std::chrono::hours(1);
    auto clock = now_ms;
    store_cfg.now = [clock] {
      return std::chrono::steady_clock::time_point{}
             + std::chrono::milliseconds(clock->load());
    };
    store = spawn_blob_store(sys, std::move(store_cfg));
  }

  ~blob_fixture() {
    caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
    self->wait_for(store);
  }

  template <class R, class... Ts>
  caf::expected<R> ask(Ts&&... xs) {
    caf::expected<R> result = caf::sec::request_timeout;
    self->request(store, reply_timeout, std::forward<Ts>(xs)...)
      .receive([&](R& x) { result = std::move(x); },
               [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  /// A new file with `bytes` in the test's directory; its path.
  std::string make_file(const std::vector<uint8_t>& bytes) {
    auto path = dir.str() + "/source-" + std::to_string(++files_made);
    write_file(path, bytes);
    return path;
  }

  /// A path in the test's directory that no file has yet.
  std::string out_path() {
    return dir.str() + "/out-" + std::to_string(++files_made);
  }

  /// Uploads `bytes` from `self` in chunks of the store's limit; the new
  /// key.
  blob_key put(const job_id& job, const std::vector<uint8_t>& bytes,
               blob_type type = blob_type::permanent) {
    auto id = ask<uint64_t>(upload_atom::value, job, type);
    if (!id)
      FAIL("upload failed: " << describe(id.error()));
    for (size_t pos = 0; pos < bytes.size(); pos += store_chunk_limit) {
      auto end = bytes.begin() + std::min<size_t>(bytes.size(),
                                                    pos + store_chunk_limit);
      std::vector<uint8_t> chunk(bytes.begin() + pos, end);
      if (auto ok = ask<caf::ok_atom>(upload_chunk_atom::value, *id, chunk);
          !ok)
        FAIL("upload_chunk failed: " << describe(ok.error()));
    }
    auto key = ask<blob_key>(upload_commit_atom::value, *id);
    if (!key)
      FAIL("upload_commit failed: " << describe(key.error()));
    return *key;
  }

  /// Downloads the blob with the chunked client into a new file; its
  /// content.
  caf::expected<std::vector<uint8_t>> get(const job_id& job,
                                          const blob_key& key) {
    auto out = out_path();
    if (auto err = download_file(sys, store, job, key, out))
      return err;
    return read_file(out);
  }

  /// Every file below the store's root, as paths relative to it.
  std::vector<std::string> stored_files() const {
    std::vector<std::string> result;
    if (!std::filesystem::exists(root))
      return result;
    for (auto& entry : std::filesystem::recursive_directory_iterator(root))
      if (entry.is_regular_file())
        result.push_back(
          std::filesystem::relative(entry.path(), root).string());
    std::sort(result.begin(), result.end());
    return result;
  }

  std::string stored_path(const job_id& job, const blob_key& key) const {
    return blob_file_path(root, job, key);
  }
};

/// True if `err` is the errc `code` and its message contains `part`.
inline bool is_error(const caf::error& err, errc code,
                     const std::string& part) {
  return is(err, code) && describe(err).find(part) != std::string::npos;
}

} // namespace ha::blob_test
