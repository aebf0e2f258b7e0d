// The rules of DESIGN.md "Blob store", driven by messages through a blob
// store on real files.

#include "actors/blob_store.hpp"

#include "tests/support/blob_fixture.hpp"

using namespace ha;
using namespace ha::blob_test;

namespace {

constexpr uint32_t chunk_limit = 64 * 1024;

bool contains(const std::vector<std::string>& xs, const std::string& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

std::string key_file(const job_id& job, const blob_key& key) {
  return "job_" + to_string(job) + "/blob_" + to_string(key);
}

} // namespace

TEST_CASE("a blob put by path comes back by path with the same content and "
          "its hash in the key",
          "[blob]") {
  blob_fixture fx;
  auto content = random_content(300 * 1024 + 7, 1);
  auto key = fx.put(fx.job_a, content);
  CHECK(key.type == blob_type::permanent);
  CHECK(fx.get(fx.job_a, key).value() == content);
  CHECK(fx.stored_files()
        == std::vector<std::string>{key_file(fx.job_a, key)});
}

TEST_CASE("an empty blob round-trips by path and by chunks", "[blob]") {
  blob_fixture fx;
  auto key = fx.put(fx.job_a, {});
  CHECK(fx.get(fx.job_a, key).value().empty());
  auto out = fx.out_path();
  REQUIRE(!download_file(fx.sys, fx.store, fx.job_a, key, out));
  CHECK(read_file(out).empty());
  auto uploaded = upload_file(fx.sys, fx.store, fx.job_a,
                              blob_type::transient, fx.make_file({}));
  REQUIRE(uploaded);
  CHECK(uploaded->type == blob_type::transient);
  CHECK(uploaded->hash == key.hash);
}

TEST_CASE("a blob of several chunks with an odd size round-trips by chunks",
          "[blob]") {
  blob_fixture fx;
  auto content = random_content(3 * 4096 + 123, 2);
  blob_client_options opts;
  opts.chunk_size = 4096;
  auto key = upload_file(fx.sys, fx.store, fx.job_a, blob_type::permanent,
                         fx.make_file(content), opts);
  REQUIRE(key);
  CHECK(fx.get(fx.job_a, *key).value() == content);
  auto out = fx.out_path();
  REQUIRE(!download_file(fx.sys, fx.store, fx.job_a, *key, out, opts));
  CHECK(read_file(out) == content);
}

TEST_CASE("the same content put twice gets two keys, both retrievable and "
          "removable one by one",
          "[blob]") {
  blob_fixture fx;
  auto content = random_content(1000, 3);
  auto first = fx.put(fx.job_a, content);
  auto second = fx.put(fx.job_a, content);
  CHECK(first.hash == second.hash);
  CHECK(first.random != second.random);
  REQUIRE(fx.ask<caf::ok_atom>(caf::delete_atom::value, fx.job_a, first));
  CHECK(is(fx.get(fx.job_a, first).error(), errc::not_found));
  CHECK(fx.get(fx.job_a, second).value() == content);
}

TEST_CASE("a flipped byte in a stored blob fails get and download with "
          "corrupted, and no output file is written",
          "[blob]") {
  blob_fixture fx;
  auto content = random_content(5000, 4);
  auto key = fx.put(fx.job_a, content);
  auto stored = fx.stored_path(fx.job_a, key);
  auto bytes = read_file(stored);
  bytes[2500] ^= 0x40;
  write_file(stored, bytes);
  auto out = fx.out_path();
  auto by_path = fx.ask<caf::ok_atom>(caf::get_atom::value, fx.job_a, key,
                                      out);
  REQUIRE(!by_path);
  CHECK(is_error(by_path.error(), errc::corrupted, to_string(key)));
  CHECK(is_error(by_path.error(), errc::corrupted, stored));
  CHECK(!std::filesystem::exists(out));
  auto by_chunks = download_file(fx.sys, fx.store, fx.job_a, key, out);
  CHECK(is_error(by_chunks, errc::corrupted, to_string(key)));
  CHECK(!std::filesystem::exists(out));
  // Nothing was left next to the output either.
  CHECK(std::distance(std::filesystem::directory_iterator(fx.dir.path()),
                      std::filesystem::directory_iterator())
        == 2); // the source file and the cluster directory
}

TEST_CASE("a get of an unknown blob is not_found naming the key, and writes "
          "nothing",
          "[blob]") {
  blob_fixture fx;
  auto key = fx.put(fx.job_a, random_content(10, 5));
  auto out = fx.out_path();
  auto other_job = fx.ask<caf::ok_atom>(caf::get_atom::value, fx.job_b, key,
                                        out);
  CHECK(is_error(other_job.error(), errc::not_found, to_string(key)));
  CHECK(!std::filesystem::exists(out));
}

TEST_CASE("removing a blob makes it unknown, removing it again is fine",
          "[blob]") {
  blob_fixture fx;
  auto key = fx.put(fx.job_a, random_content(10, 6));
  REQUIRE(fx.ask<caf::ok_atom>(caf::delete_atom::value, fx.job_a, key));
  CHECK(is(fx.get(fx.job_a, key).error(), errc::not_found));
  CHECK(fx.ask<caf::ok_atom>(caf::delete_atom::value, fx.job_a, key));
  CHECK(fx.stored_files().empty());
}

TEST_CASE("removing all blobs of a job keeps the blobs of other jobs",
          "[blob]") {
  blob_fixture fx;
  auto a1 = fx.put(fx.job_a, random_content(10, 7));
  auto a2 = fx.put(fx.job_a, random_content(20, 8), blob_type::transient);
  auto b = fx.put(fx.job_b, random_content(30, 9));
  REQUIRE(fx.ask<caf::ok_atom>(caf::delete_atom::value, fx.job_a));
  CHECK(is(fx.get(fx.job_a, a1).error(), errc::not_found));
  CHECK(is(fx.get(fx.job_a, a2).error(), errc::not_found));
  CHECK(fx.get(fx.job_b, b).value() == random_content(30, 9));
  CHECK(fx.stored_files() == std::vector<std::string>{key_file(fx.job_b, b)});
  CHECK(fx.ask<caf::ok_atom>(caf::delete_atom::value, fx.job_a));
}

TEST_CASE("cleanup deletes the cluster's whole blob directory and nothing "
          "beside it, and the store still works afterwards",
          "[blob]") {
  blob_fixture fx;
  fx.put(fx.job_a, random_content(10, 10));
  fx.put(fx.job_b, random_content(10, 11));
  auto neighbour = fx.dir.str() + "/cluster/metadata.db";
  write_file(neighbour, {1, 2, 3});
  REQUIRE(fx.ask<caf::ok_atom>(cleanup_atom::value));
  CHECK(!std::filesystem::exists(fx.root));
  CHECK(std::filesystem::exists(neighbour));
  auto key = fx.put(fx.job_a, random_content(10, 12));
  CHECK(fx.get(fx.job_a, key).value() == random_content(10, 12));
}

TEST_CASE("a chunk above the limit is rejected naming its size and the "
          "limit, and ends its upload",
          "[blob]") {
  blob_fixture fx{chunk_limit};
  auto id = fx.ask<uint64_t>(upload_atom::value, fx.job_a,
                             blob_type::permanent);
  REQUIRE(id);
  auto big = fx.ask<caf::ok_atom>(upload_chunk_atom::value, *id,
                                  std::vector<uint8_t>(chunk_limit + 1));
  REQUIRE(!big);
  CHECK(is_error(big.error(), errc::invalid_argument,
                 std::to_string(chunk_limit + 1) + " bytes"));
  CHECK(is_error(big.error(), errc::invalid_argument,
                 std::to_string(chunk_limit)));
  auto commit = fx.ask<blob_key>(upload_commit_atom::value, *id);
  CHECK(is(commit.error(), errc::not_found));
  CHECK(fx.stored_files().empty());
}

TEST_CASE("a chunk at the limit is accepted and reads are capped at it",
          "[blob]") {
  blob_fixture fx{chunk_limit};
  auto content = random_content(chunk_limit + 100, 13);
  auto key = fx.put(fx.job_a, content);
  auto chunk = fx.ask<std::vector<uint8_t>>(read_chunk_atom::value, fx.job_a,
                                            key, uint64_t{0},
                                            uint32_t{chunk_limit * 4});
  REQUIRE(chunk);
  CHECK(chunk->size() == chunk_limit);
  auto tail = fx.ask<std::vector<uint8_t>>(read_chunk_atom::value, fx.job_a,
                                           key, uint64_t{chunk_limit},
                                           uint32_t{chunk_limit});
  CHECK(tail.value() == std::vector<uint8_t>(content.begin() + chunk_limit,
                                             content.end()));
  blob_client_options opts;
  opts.chunk_size = chunk_limit;
  auto uploaded = upload_file(fx.sys, fx.store, fx.job_a,
                              blob_type::permanent, fx.make_file(content),
                              opts);
  CHECK(uploaded.value().hash == key.hash);
}

TEST_CASE("an upload is dropped with its partial file when its uploader "
          "terminates",
          "[blob]") {
  blob_fixture fx;
  uint64_t id = 0;
  {
    caf::scoped_actor uploader{fx.sys};
    uploader
      ->request(fx.store, reply_timeout, upload_atom::value, fx.job_a,
                blob_type::permanent)
      .receive([&](uint64_t x) { id = x; },
               [&](caf::error& err) { FAIL(describe(err)); });
    uploader
      ->request(fx.store, reply_timeout, upload_chunk_atom::value, id,
                random_content(100, 14))
      .receive([](caf::ok_atom) {},
               [&](caf::error& err) { FAIL(describe(err)); });
    CHECK(fx.stored_files().size() == 1); // the partial file
  }
  // The down message reached the store before this request.
  auto chunk = fx.ask<caf::ok_atom>(upload_chunk_atom::value, id,
                                    random_content(100, 15));
  CHECK(is(chunk.error(), errc::not_found));
  CHECK(fx.stored_files().empty());
}

TEST_CASE("an idle upload is dropped after the upload timeout, an active one "
          "is kept",
          "[blob]") {
  blob_fixture fx;
  auto idle = fx.ask<uint64_t>(upload_atom::value, fx.job_a,
                               blob_type::permanent);
  auto active = fx.ask<uint64_t>(upload_atom::value, fx.job_a,
                                 blob_type::permanent);
  REQUIRE((idle && active));
  *fx.now_ms += std::chrono::milliseconds(std::chrono::minutes(50)).count();
  REQUIRE(fx.ask<caf::ok_atom>(upload_chunk_atom::value, *active,
                               random_content(10, 16)));
  *fx.now_ms += std::chrono::milliseconds(std::chrono::minutes(20)).count();
  caf::anon_send(fx.store, caf::tick_atom::value);
  auto late = fx.ask<caf::ok_atom>(upload_chunk_atom::value, *idle,
                                   random_content(10, 17));
  CHECK(is(late.error(), errc::not_found));
  auto key = fx.ask<blob_key>(upload_commit_atom::value, *active);
  REQUIRE(key);
  CHECK(fx.stored_files()
        == std::vector<std::string>{key_file(fx.job_a, *key)});
}

TEST_CASE("put and get by path need absolute paths, and a missing source "
          "file is not_found naming it",
          "[blob]") {
  blob_fixture fx;
  auto relative = fx.ask<blob_key>(caf::put_atom::value, fx.job_a,
                                   blob_type::permanent,
                                   std::string{"relative/file"});
  CHECK(is_error(relative.error(), errc::invalid_argument, "relative/file"));
  auto missing = fx.dir.str() + "/no-such-file";
  auto absent = fx.ask<blob_key>(caf::put_atom::value, fx.job_a,
                                 blob_type::permanent, missing);
  CHECK(is_error(absent.error(), errc::not_found, missing));
  auto key = fx.put(fx.job_a, random_content(10, 18));
  auto no_dir = fx.dir.str() + "/no-such-dir/out";
  auto get = fx.ask<caf::ok_atom>(caf::get_atom::value, fx.job_a, key,
                                  no_dir);
  CHECK(is_error(get.error(), errc::not_found, "no-such-dir"));
  CHECK(fx.stored_files().size() == 1);
}

TEST_CASE("a failing fsync fails the put, by path and by chunks, and leaves "
          "no blob and no temporary file",
          "[blob]") {
  blob_fixture fx;
  fx.storage->faults().fail_sync = true;
  auto source = fx.make_file(random_content(2000, 19));
  auto by_path = fx.ask<blob_key>(caf::put_atom::value, fx.job_a,
                                  blob_type::permanent, source);
  REQUIRE(!by_path);
  CHECK(is_error(by_path.error(), errc::backend_unavailable, "fsync"));
  CHECK(is_error(by_path.error(), errc::backend_unavailable, source));
  auto by_chunks = upload_file(fx.sys, fx.store, fx.job_a,
                               blob_type::permanent, source);
  REQUIRE(!by_chunks);
  CHECK(is_error(by_chunks.error(), errc::backend_unavailable, "fsync"));
  CHECK(fx.stored_files().empty());
  fx.storage->faults().fail_sync = false;
  auto key = fx.put(fx.job_a, random_content(2000, 19));
  CHECK(fx.get(fx.job_a, key).value() == random_content(2000, 19));
}

TEST_CASE("a full disk fails the upload's chunk, ends the upload and leaves "
          "nothing behind",
          "[blob]") {
  blob_fixture fx;
  fx.storage->faults().space_left = 5000;
  blob_client_options opts;
  opts.chunk_size = 4096;
  auto key = upload_file(fx.sys, fx.store, fx.job_a, blob_type::permanent,
                         fx.make_file(random_content(10000, 20)), opts);
  REQUIRE(!key);
  CHECK(is_error(key.error(), errc::backend_unavailable,
                 "No space left on device"));
  CHECK(fx.stored_files().empty());
}

TEST_CASE("every file of the store is named by job and key, and temporary "
          "files are recognisable",
          "[blob]") {
  blob_fixture fx;
  auto key = fx.put(fx.job_b, random_content(10, 21), blob_type::transient);
  auto files = fx.stored_files();
  CHECK(contains(files, key_file(fx.job_b, key)));
  CHECK(to_string(key).rfind("t-", 0) == 0);
  CHECK(is_temporary_blob_file(".tmp-0123456789abcdef"));
  CHECK(!is_temporary_blob_file("blob_" + to_string(key)));
}
