// The blob client: chunked transfers that check what they receive. (Over a
// real network only the system tests can go: two actor systems in one
// process share a node id, and CAF then hands out the local actor.)

#include "caf_ha/actors/client/blob_client.hpp"

#include "tests/support/blob_fixture.hpp"

using namespace ha;
using namespace ha::blob_test;

TEST_CASE("content that does not match the key on arrival is caught by the "
          "client, which writes no file",
          "[blob]") {
  blob_fixture fx;
  auto key = fx.put(fx.job_a, random_content(9000, 30));
  // A store (or a path to it) that serves other bytes than it keeps.
  auto altering = fx.sys.spawn([]() -> caf::behavior {
    return {
      [](download_atom, const job_id&, const blob_key&) {
        return uint64_t{3};
      },
      [](read_chunk_atom, const job_id&, const blob_key&, uint64_t offset,
         uint32_t) {
        return offset == 0 ? std::vector<uint8_t>{1, 2, 3}
                           : std::vector<uint8_t>{};
      },
    };
  });
  auto out = fx.out_path();
  auto err = download_file(fx.sys, caf::actor_cast<blob_store_actor>(altering),
                           fx.job_a, key, out);
  caf::anon_send_exit(altering, caf::exit_reason::user_shutdown);
  CHECK(is_error(err, errc::corrupted, "received content"));
  CHECK(is_error(err, errc::corrupted, out));
  CHECK(!std::filesystem::exists(out));
  CHECK(std::distance(std::filesystem::directory_iterator(fx.dir.path()),
                      std::filesystem::directory_iterator())
        == 1); // the cluster directory
}

TEST_CASE("bytes that change as the store reads them fail the download with "
          "corrupted, and the client writes no file",
          "[blob]") {
  blob_fixture fx;
  auto key = fx.put(fx.job_a, random_content(3 << 20, 31));
  fx.storage->faults().flip_read_at = true;
  auto out = fx.out_path();
  auto err = download_file(fx.sys, fx.store, fx.job_a, key, out);
  CHECK(is_error(err, errc::corrupted, to_string(key)));
  CHECK(!std::filesystem::exists(out));
}

TEST_CASE("a client refuses a chunk size of zero and a missing local file",
          "[blob]") {
  blob_fixture fx;
  blob_client_options opts;
  opts.chunk_size = 0;
  auto zero = upload_file(fx.sys, fx.store, fx.job_a, blob_type::permanent,
                          fx.make_file({1}), opts);
  CHECK(is(zero.error(), errc::invalid_argument));
  auto missing = fx.dir.str() + "/missing";
  auto absent = upload_file(fx.sys, fx.store, fx.job_a, blob_type::permanent,
                            missing);
  CHECK(is_error(absent.error(), errc::not_found, missing));
  CHECK(fx.stored_files().empty());
}
