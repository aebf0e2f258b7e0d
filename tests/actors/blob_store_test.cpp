// The blob store's rules, driven by messages through a blob
// store on real files.

#include "caf_ha/actors/blob_store.hpp"

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

TEST_CASE("an uploaded blob comes back with the same content and its hash in "
          "the key",
          "[blob]") {
  blob_fixture fx;
  auto content = random_content(300 * 1024 + 7, 1);
  auto key = fx.put(fx.job_a, content);
  CHECK(key.type == blob_type::permanent);
  CHECK(fx.get(fx.job_a, key).value() == content);
  CHECK(fx.stored_files()
        == std::vector<std::string>{key_file(fx.job_a, key)});
}

TEST_CASE("an empty blob round-trips by messages and by the client",
          "[blob]") {
  blob_fixture fx;
  auto key = fx.put(fx.job_a, {});
  CHECK(fx.get(fx.job_a, key).value().empty());
  CHECK(fx.ask<uint64_t>(download_atom::value, fx.job_a, key).value() == 0);
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

TEST_CASE("a client asking for larger chunks than the store serves, with "
          "reads in flight, still receives every byte once, in order",
          "[blob]") {
  blob_fixture fx{4096};
  auto content = random_content(10 * 4096 + 77, 6);
  auto key = fx.put(fx.job_a, content);
  for (uint32_t window : {1u, 4u}) {
    blob_client_options opts;
    opts.chunk_size = 16384;
    opts.window = window;
    auto out = fx.out_path();
    REQUIRE(!download_file(fx.sys, fx.store, fx.job_a, key, out, opts));
    CHECK(read_file(out) == content);
    std::filesystem::remove(out);
  }
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

TEST_CASE("a flipped byte in a stored blob fails the read of its last "
          "bytes with corrupted, and the client writes no output file",
          "[blob]") {
  blob_fixture fx;
  auto content = random_content(5000, 4);
  auto key = fx.put(fx.job_a, content);
  auto stored = fx.stored_path(fx.job_a, key);
  auto bytes = read_file(stored);
  bytes[2500] ^= 0x40;
  write_file(stored, bytes);
  auto size = fx.ask<uint64_t>(download_atom::value, fx.job_a, key);
  REQUIRE(size == uint64_t{5000});
  auto first = fx.ask<std::vector<uint8_t>>(read_chunk_atom::value, fx.job_a,
                                            key, uint64_t{0}, uint32_t{3000});
  CHECK(first.value().size() == 3000);
  auto last = fx.ask<std::vector<uint8_t>>(read_chunk_atom::value, fx.job_a,
                                           key, uint64_t{3000}, uint32_t{3000});
  REQUIRE(!last);
  CHECK(is_error(last.error(), errc::corrupted, to_string(key)));
  CHECK(is_error(last.error(), errc::corrupted, stored));
  auto out = fx.out_path();
  auto by_client = download_file(fx.sys, fx.store, fx.job_a, key, out);
  CHECK(is_error(by_client, errc::corrupted, to_string(key)));
  CHECK(!std::filesystem::exists(out));
  // Nothing was left next to the output either.
  CHECK(std::distance(std::filesystem::directory_iterator(fx.dir.path()),
                      std::filesystem::directory_iterator())
        == 1); // the cluster directory
}

TEST_CASE("a download or read of an unknown blob is not_found naming the "
          "key, and the client writes nothing",
          "[blob]") {
  blob_fixture fx;
  auto key = fx.put(fx.job_a, random_content(10, 5));
  auto other_job = fx.ask<uint64_t>(download_atom::value, fx.job_b, key);
  CHECK(is_error(other_job.error(), errc::not_found, to_string(key)));
  auto read = fx.ask<std::vector<uint8_t>>(read_chunk_atom::value, fx.job_b,
                                           key, uint64_t{0}, uint32_t{10});
  CHECK(is_error(read.error(), errc::not_found, to_string(key)));
  auto out = fx.out_path();
  auto by_client = download_file(fx.sys, fx.store, fx.job_b, key, out);
  CHECK(is_error(by_client, errc::not_found, to_string(key)));
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

TEST_CASE("cleanup from anyone but the store's owner is refused and deletes "
          "nothing",
          "[blob]") {
  blob_fixture fx;
  auto key = fx.put(fx.job_a, random_content(10, 13));
  caf::scoped_actor stranger{fx.sys};
  caf::error refused;
  stranger->request(fx.store, std::chrono::seconds(10), cleanup_atom::value)
    .receive([](caf::ok_atom) {}, [&](caf::error& err) { refused = err; });
  CHECK(is(refused, errc::permission_denied));
  CHECK(fx.get(fx.job_a, key).value() == random_content(10, 13));
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

TEST_CASE("a failing fsync fails the commit and leaves no blob and no "
          "temporary file",
          "[blob]") {
  blob_fixture fx;
  fx.storage->faults().fail_sync = true;
  auto source = fx.make_file(random_content(2000, 19));
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

namespace {

caf::expected<uint64_t> open_upload(blob_fixture& fx, const job_id& job) {
  return fx.ask<uint64_t>(upload_atom::value, job, blob_type::permanent);
}

/// Opens an upload as the anonymous peer (no sender, so no reply), then
/// waits until the store handled it.
void open_anonymous_upload(blob_fixture& fx, const job_id& job) {
  caf::anon_send(fx.store, upload_atom::value, job, blob_type::permanent);
  REQUIRE(fx.ask<caf::ok_atom>(upload_abort_atom::value, uint64_t{0}));
}

bool one_line(const caf::error& err) {
  return describe(err).find('\n') == std::string::npos;
}

} // namespace

TEST_CASE("an upload beyond the per-peer limit is refused naming the limit "
          "and its key, creating no file, while another peer may upload",
          "[blob]") {
  blob_fixture fx{chunk_limit, 2, 64};
  REQUIRE(open_upload(fx, fx.job_a));
  REQUIRE(open_upload(fx, fx.job_a));
  auto files = fx.stored_files();
  REQUIRE(files.size() == 2); // the two uploads' temporary files
  auto refused = open_upload(fx, fx.job_b);
  REQUIRE(!refused);
  CHECK(is_error(refused.error(), errc::limit_reached,
                 "too many open uploads from this peer (2, "
                 "ha.blob.max-uploads-per-peer)"));
  CHECK(one_line(refused.error()));
  CHECK(fx.stored_files() == files);
  CHECK(!std::filesystem::exists(blob_job_dir(fx.root, fx.job_b)));
  open_anonymous_upload(fx, fx.job_b);
  CHECK(fx.stored_files().size() == 3);
}

TEST_CASE("an upload beyond the total limit is refused for every peer, "
          "creating no file",
          "[blob]") {
  blob_fixture fx{chunk_limit, 4, 3};
  REQUIRE(open_upload(fx, fx.job_a));
  REQUIRE(open_upload(fx, fx.job_a));
  open_anonymous_upload(fx, fx.job_a);
  REQUIRE(fx.stored_files().size() == 3);
  auto refused = open_upload(fx, fx.job_a);
  REQUIRE(!refused);
  CHECK(is_error(refused.error(), errc::limit_reached,
                 "too many open uploads in all (3, ha.blob.max-uploads)"));
  CHECK(one_line(refused.error()));
  open_anonymous_upload(fx, fx.job_a);
  CHECK(fx.stored_files().size() == 3);
}

TEST_CASE("an upload's slot is freed by its commit, its abort, its "
          "uploader's end and its idle timeout",
          "[blob]") {
  blob_fixture fx{chunk_limit, 1, 64};
  auto full = [&] {
    return is(open_upload(fx, fx.job_a).error(), errc::limit_reached);
  };
  auto committed = open_upload(fx, fx.job_a);
  REQUIRE(committed);
  CHECK(full());
  REQUIRE(fx.ask<blob_key>(upload_commit_atom::value, *committed));
  auto aborted = open_upload(fx, fx.job_a);
  REQUIRE(aborted);
  CHECK(full());
  REQUIRE(fx.ask<caf::ok_atom>(upload_abort_atom::value, *aborted));
  {
    caf::scoped_actor uploader{fx.sys};
    uploader
      ->request(fx.store, reply_timeout, upload_atom::value, fx.job_a,
                blob_type::permanent)
      .receive([](uint64_t) {},
               [&](caf::error& err) { FAIL(describe(err)); });
  }
  // The uploader's end reached the store before this request.
  auto idle = open_upload(fx, fx.job_a);
  REQUIRE(idle);
  CHECK(full());
  *fx.now_ms += std::chrono::milliseconds(std::chrono::hours(2)).count();
  caf::anon_send(fx.store, caf::tick_atom::value);
  CHECK(open_upload(fx, fx.job_a));
}

TEST_CASE("read_chunk refuses a length of zero and an offset beyond the "
          "blob, naming them, and reads nothing at the end",
          "[blob]") {
  blob_fixture fx;
  auto key = fx.put(fx.job_a, random_content(100, 22));
  auto read = [&](uint64_t offset, uint32_t max_len) {
    return fx.ask<std::vector<uint8_t>>(read_chunk_atom::value, fx.job_a,
                                        key, offset, max_len);
  };
  auto zero = read(0, 0);
  REQUIRE(!zero);
  CHECK(is_error(zero.error(), errc::invalid_argument, "0 bytes"));
  CHECK(is_error(zero.error(), errc::invalid_argument, to_string(key)));
  auto beyond = read(101, 10);
  REQUIRE(!beyond);
  CHECK(is_error(beyond.error(), errc::invalid_argument,
                 "offset 101 is beyond the 100 bytes"));
  CHECK(one_line(beyond.error()));
  CHECK(read(100, 10).value().empty());
  CHECK(read(95, 10).value().size() == 5);
}

TEST_CASE("an unknown blob type is refused in an upload and in a key, and "
          "an unknown upload id is not_found naming it",
          "[blob]") {
  blob_fixture fx;
  auto bad_type = static_cast<blob_type>(7);
  auto upload = fx.ask<uint64_t>(upload_atom::value, fx.job_a, bad_type);
  CHECK(is_error(upload.error(), errc::invalid_argument, "blob type 7"));
  CHECK(fx.stored_files().empty());
  auto key = fx.put(fx.job_a, random_content(10, 23));
  key.type = bad_type;
  CHECK(is_error(fx.ask<uint64_t>(download_atom::value, fx.job_a, key).error(),
                 errc::invalid_argument, "blob type 7"));
  CHECK(is_error(fx.ask<std::vector<uint8_t>>(read_chunk_atom::value,
                                              fx.job_a, key, uint64_t{0},
                                              uint32_t{10})
                   .error(),
                 errc::invalid_argument, "blob type 7"));
  CHECK(is_error(fx.ask<caf::ok_atom>(caf::delete_atom::value, fx.job_a, key)
                   .error(),
                 errc::invalid_argument, "blob type 7"));
  CHECK(fx.stored_files().size() == 1);
  auto chunk = fx.ask<caf::ok_atom>(upload_chunk_atom::value, uint64_t{42},
                                    std::vector<uint8_t>{1});
  CHECK(is_error(chunk.error(), errc::not_found, "upload 42 is unknown"));
  auto commit = fx.ask<blob_key>(upload_commit_atom::value, uint64_t{42});
  CHECK(is_error(commit.error(), errc::not_found, "upload 42 is unknown"));
  CHECK(fx.ask<caf::ok_atom>(upload_abort_atom::value, uint64_t{42}));
}

TEST_CASE("a put or get naming a file of the store's host is no message of "
          "the store: refused, and no file is read or written",
          "[blob]") {
  blob_fixture fx;
  auto secret = fx.make_file(random_content(50, 24));
  auto key = fx.put(fx.job_a, random_content(10, 25));
  auto untyped = caf::actor_cast<caf::actor>(fx.store);
  caf::error put;
  fx.self
    ->request(untyped, reply_timeout, caf::put_atom::value, fx.job_a,
              blob_type::permanent, secret)
    .receive([](blob_key&) {}, [&](caf::error& err) { put = err; });
  CHECK(put == caf::sec::unexpected_message);
  auto out = fx.out_path();
  caf::error get;
  fx.self
    ->request(untyped, reply_timeout, caf::get_atom::value, fx.job_a, key,
              out)
    .receive([](caf::ok_atom) {}, [&](caf::error& err) { get = err; });
  CHECK(get == caf::sec::unexpected_message);
  CHECK(!std::filesystem::exists(out));
  CHECK(read_file(secret) == random_content(50, 24));
  CHECK(fx.stored_files().size() == 1);
}
