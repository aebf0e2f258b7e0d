#include "caf_ha/actors/journal/replay_records.hpp"

#include <deque>
#include <map>

namespace ha {

namespace {

std::vector<const journal_record*> of_actor(
  const std::vector<journal_record>& xs, const std::string& actor) {
  std::vector<const journal_record*> result;
  for (auto& x : xs)
    if (x.actor == actor)
      result.push_back(&x);
  return result;
}

} // namespace

std::string node_of(const std::string& actor) {
  auto at = actor.find('@');
  return at == std::string::npos ? std::string{} : actor.substr(at + 1);
}

std::vector<const journal_record*>
replay_order(const std::vector<journal_record>& records) {
  std::map<std::string, std::deque<const journal_record*>> by_node;
  for (auto& x : records)
    by_node[node_of(x.actor)].push_back(&x);
  std::vector<const journal_record*> result;
  result.reserve(records.size());
  while (result.size() < records.size()) {
    std::deque<const journal_record*>* next = nullptr;
    for (auto& [node, queue] : by_node)
      if (!queue.empty()
          && (next == nullptr || queue.front()->time_us < next->front()->time_us
              || (queue.front()->time_us == next->front()->time_us
                  && queue.front()->index < next->front()->index)))
        next = &queue;
    result.push_back(next->front());
    next->pop_front();
  }
  return result;
}

std::optional<replay_divergence>
compare_actor(const std::vector<journal_record>& recorded,
              const std::vector<journal_record>& replayed,
              const std::string& actor, bool torn_tail) {
  auto expected = of_actor(recorded, actor);
  auto got = of_actor(replayed, actor);
  for (size_t i = 0; i < expected.size(); ++i) {
    if (i >= got.size())
      return replay_divergence{expected[i]->index, describe(*expected[i]),
                               "(nothing)"};
    if (!same_message(*expected[i], *got[i]))
      return replay_divergence{expected[i]->index, describe(*expected[i]),
                               describe(*got[i])};
  }
  if (got.size() > expected.size() && !torn_tail) {
    auto after = expected.empty() ? 0 : expected.back()->index;
    return replay_divergence{after + 1, "(nothing more from " + actor + ")",
                             describe(*got[expected.size()])};
  }
  return std::nullopt;
}

std::string describe(const journal_record& x) {
  auto result = x.actor + " " + x.direction + " " + x.peer + " " + x.kind;
  for (auto& [key, value] : x.fields)
    result += " " + key + "=" + value;
  return result;
}

} // namespace ha
