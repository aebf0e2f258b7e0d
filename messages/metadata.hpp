#pragma once

// The records the metadata stores keep. Payloads are opaque bytes: the
// stores never interpret them.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/meta/type_name.hpp>

#include "caf_ha/messages/ids.hpp"

namespace ha {

/// Who writes: a component and the epoch of its grant. A store accepts a
/// fenced write only while that epoch is the one the election currently
/// grants the component (see backends/metadata_store.hpp). An empty
/// component means "not fenced".
struct fencing_token {
  std::string component;
  epoch_t epoch = 0;

  bool empty() const {
    return component.empty();
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fencing_token& x) {
  return f(caf::meta::type_name("fencing_token"), x.component, x.epoch);
}

/// The most data one record may carry (a job graph's name, metadata and
/// payload together; a checkpoint's metadata): larger ones are refused with
/// invalid_argument. Big state belongs in the blob store; with the limit on
/// metadata entries below, it keeps every peer message small enough for
/// ha-node's peer guard.
constexpr size_t max_record_payload = 8 * 1024 * 1024;

/// The most metadata entries one job graph may carry (invalid_argument
/// beyond): each costs length prefixes on the wire that its bytes do not
/// count.
constexpr size_t max_graph_metadata_entries = 4096;

/// A submitted job as the job graph store keeps it.
struct job_graph {
  job_id id;
  std::string name;
  std::map<std::string, std::string> metadata;
  std::vector<uint8_t> payload;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_graph& x) {
  return f(caf::meta::type_name("job_graph"), x.id, x.name, x.metadata,
           x.payload);
}

/// One page of job graphs in job id order, for a leader recovering them
/// all (the seed's recoverJobGraph for every id, in few round trips).
struct job_graph_page {
  std::vector<job_graph> graphs;
  /// True if no graph follows the last one in `graphs`.
  bool complete = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_graph_page& x) {
  return f(caf::meta::type_name("job_graph_page"), x.graphs, x.complete);
}

/// A page holds at most this many graphs (a caller asking for more gets
/// this many) ...
constexpr uint32_t max_graph_page_count = 1024;

/// ... and stops before its graphs' bytes (name, metadata and payload)
/// pass this; a single larger graph (up to max_record_payload) comes alone.
constexpr size_t max_graph_page_bytes = 4 * 1024 * 1024;

/// How a job ended, as recorded in the job result store: one of
/// SUCCEEDED, FAILED, CANCELED, UNKNOWN.
struct job_result_entry {
  job_id id;
  std::string status = "SUCCEEDED";
  int64_t timestamp_ms = 0;
  bool clean = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_result_entry& x) {
  return f(caf::meta::type_name("job_result_entry"), x.id, x.status,
           x.timestamp_ms, x.clean);
}

/// True for the statuses a job result may carry.
bool is_valid_result_status(const std::string& status);

/// The running jobs registry's view of a job. Unknown jobs are pending.
enum class scheduling_status : uint8_t { pending, running, done };

std::string to_string(scheduling_status x);

/// The state of a job, as passed to checkpoint shutdown.
enum class job_status : uint8_t { running, finished, failed, canceled,
                                  suspended };

/// False for a value outside the enumerators (CAF decodes an enum from any
/// byte a peer sends).
bool is_valid_job_status(job_status x);

/// The name, or `job_status(<n>)` for an invalid value.
std::string to_string(job_status x);

/// Parses FINISHED, FAILED, ... (any case).
std::optional<job_status> parse_job_status(const std::string& str);

/// Globally terminal jobs never run again: their checkpoint state can go.
inline bool is_globally_terminal(job_status x) {
  return x == job_status::finished || x == job_status::failed
         || x == job_status::canceled;
}

/// A completed checkpoint's handle: the metadata a job needs to restore it.
struct completed_checkpoint {
  job_id job;
  uint64_t checkpoint_id = 0;
  int64_t timestamp_ms = 0;
  std::vector<uint8_t> metadata;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        completed_checkpoint& x) {
  return f(caf::meta::type_name("completed_checkpoint"), x.job,
           x.checkpoint_id, x.timestamp_ms, x.metadata);
}

/// Checkpoint ids and the counter that hands them out are Java longs in the
/// masters that use the stores: 0..2^63-1. Anything larger is a negative id
/// cast to unsigned, and a counter there could only wrap.
constexpr uint64_t max_checkpoint_id = 9223372036854775807u;

/// Decimal digits without sign, whitespace or leading zeros, at most `max`.
std::optional<uint64_t> parse_decimal(const std::string& text, uint64_t max);

/// `text` as a checkpoint id or counter value; otherwise invalid_argument:
/// `WHAT: expected an integer from 0 to 9223372036854775807, got 'TEXT'`.
caf::expected<uint64_t> parse_checkpoint_id(const std::string& what,
                                            const std::string& text);

/// None, or the same invalid_argument for a value over max_checkpoint_id
/// (what a library caller or peer sends instead of text).
caf::error check_checkpoint_id(const std::string& what, uint64_t value);

} // namespace ha
