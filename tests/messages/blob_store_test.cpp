// The blob store protocol: blob_key's string form, and every message on the
// wire.

#include "caf_ha/messages/blob_store.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "caf_ha/messages/type_registry.hpp"

using namespace ha;

namespace {

blob_key sample_key() {
  blob_key key;
  key.type = blob_type::transient;
  for (size_t i = 0; i < key.hash.size(); ++i)
    key.hash[i] = static_cast<uint8_t>(i * 7);
  for (size_t i = 0; i < key.random.size(); ++i)
    key.random[i] = static_cast<uint8_t>(255 - i);
  return key;
}

struct key_test_config : caf::actor_system_config {
  key_test_config() {
    register_types(*this);
    register_blob_types(*this);
  }
};

} // namespace

TEST_CASE("a blob key's string form names its type, hash and random part, "
          "and parses back",
          "[blob]") {
  auto key = sample_key();
  auto str = to_string(key);
  CHECK(str.size() == 99);
  CHECK(str.rfind("t-00070e15", 0) == 0);
  CHECK(str.substr(66) == "-fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0");
  CHECK(parse_blob_key(str) == key);
  key.type = blob_type::permanent;
  CHECK(to_string(key)[0] == 'p');
  CHECK(parse_blob_key(to_string(key)) == key);
}

TEST_CASE("malformed blob keys do not parse", "[blob]") {
  auto good = to_string(sample_key());
  CHECK(!parse_blob_key(""));
  CHECK(!parse_blob_key(good.substr(1)));
  CHECK(!parse_blob_key(good + "0"));
  CHECK(!parse_blob_key("x" + good.substr(1)));
  auto bad_hex = good;
  bad_hex[10] = 'g';
  CHECK(!parse_blob_key(bad_hex));
  auto bad_dash = good;
  bad_dash[66] = '_';
  CHECK(!parse_blob_key(bad_dash));
}

TEST_CASE("every message of the blob store protocol survives the wire "
          "format once register_blob_types ran",
          "[blob]") {
  key_test_config cfg;
  caf::actor_system sys{cfg};
  job_id job;
  job.bytes.fill(0x42);
  auto key = sample_key();
  std::vector<caf::message> messages{
    caf::make_message(upload_atom::value, job, blob_type::permanent),
    caf::make_message(upload_chunk_atom::value, uint64_t{7},
                      std::vector<uint8_t>{1, 2, 3}),
    caf::make_message(upload_commit_atom::value, uint64_t{7}),
    caf::make_message(upload_abort_atom::value, uint64_t{7}),
    caf::make_message(download_atom::value, job, key),
    caf::make_message(read_chunk_atom::value, job, key, uint64_t{1},
                      uint32_t{2}),
    caf::make_message(caf::delete_atom::value, job, key),
    caf::make_message(caf::delete_atom::value, job),
    caf::make_message(cleanup_atom::value),
    caf::make_message(key),
    caf::make_message(std::vector<uint8_t>(1000, 0xAB)),
  };
  for (auto& msg : messages) {
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    REQUIRE(!sink(const_cast<caf::message&>(msg)));
    caf::message copy;
    caf::binary_deserializer source{sys, buf};
    REQUIRE(!source(copy));
    CHECK(caf::to_string(copy) == caf::to_string(msg));
  }
  CHECK(sys.types().make_value("ha::blob_store_actor") != nullptr);
}
