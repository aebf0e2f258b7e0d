#pragma once

#include <string>

#include "caf_ha/messages/retrieval.hpp"

namespace ha {

/// Reports the published leader of a component.
///
/// Contract:
/// - Every call returns at once; calls may come from any thread.
/// - After `subscribe`, the driver sends `leader(component, info)` to `sink`
///   with the current state (possibly "no leader") and then after every
///   change, in the order the changes were published. It may repeat a state;
///   the retriever removes duplicates. Failures arrive as `retrieval_error`.
/// - After `unsubscribe`, nothing more is sent to that sink.
class retrieval_driver {
public:
  virtual ~retrieval_driver() = default;

  virtual void subscribe(const std::string& component, listener_actor sink)
    = 0;

  virtual void unsubscribe(const std::string& component,
                           const listener_actor& sink)
    = 0;
};

} // namespace ha
