// The blocking node operations of zk_connection.

#include "caf_ha/backends/zookeeper/zk_connection.hpp"

#include <zookeeper/zookeeper.h>

namespace ha {

namespace {

using read_lock = std::shared_lock<std::shared_mutex>;

/// Longer than any path the backend makes, plus the sequence suffix.
constexpr int path_buffer_size = 1024;

void copy_stat(const Stat& from, zk_stat* to) {
  if (!to)
    return;
  to->version = from.version;
  to->ephemeral_owner = from.ephemeralOwner;
  to->data_length = from.dataLength;
  to->num_children = from.numChildren;
  to->cversion = from.cversion;
  to->mtime_ms = from.mtime;
}

/// What every created node admits.
ACL_vector* acl_of(const zk_settings& settings) {
  return settings.acl == zk_acl::creator ? &ZOO_CREATOR_ALL_ACL
                                         : &ZOO_OPEN_ACL_UNSAFE;
}

std::string parent_of(const std::string& path) {
  auto pos = path.rfind('/');
  return pos == 0 || pos == std::string::npos ? std::string{}
                                              : path.substr(0, pos);
}

} // namespace

int zk_connection::get(const std::string& path, std::string& data,
                       zk_stat* stat, bool watch) {
  read_lock guard{handle_mtx_};
  // Most nodes are small; a larger one is read again with its exact size.
  int size = 4096;
  for (int attempt = 0; attempt < 3; ++attempt) {
    data.resize(static_cast<size_t>(size));
    int length = size;
    Stat st;
    auto rc = watch ? zoo_wget(zh_, path.c_str(), &zk_connection::on_event,
                               this, data.data(), &length, &st)
                    : zoo_get(zh_, path.c_str(), 0, data.data(), &length, &st);
    if (rc != ZOK)
      return rc;
    if (st.dataLength <= size) {
      data.resize(static_cast<size_t>(std::max(length, 0)));
      copy_stat(st, stat);
      return ZOK;
    }
    size = st.dataLength;
  }
  return ZMARSHALLINGERROR;
}

int zk_connection::exists(const std::string& path, zk_stat* stat, bool watch) {
  read_lock guard{handle_mtx_};
  Stat st;
  auto rc = watch ? zoo_wexists(zh_, path.c_str(), &zk_connection::on_event,
                                this, &st)
                  : zoo_exists(zh_, path.c_str(), 0, &st);
  if (rc == ZOK)
    copy_stat(st, stat);
  return rc;
}

int zk_connection::children(const std::string& path,
                            std::vector<std::string>& names, bool watch) {
  read_lock guard{handle_mtx_};
  String_vector result{0, nullptr};
  auto rc = watch ? zoo_wget_children(zh_, path.c_str(),
                                      &zk_connection::on_event, this, &result)
                  : zoo_get_children(zh_, path.c_str(), 0, &result);
  names.clear();
  if (rc == ZOK) {
    for (int i = 0; i < result.count; ++i)
      names.emplace_back(result.data[i]);
    deallocate_String_vector(&result);
  }
  return rc;
}

int zk_connection::create(const std::string& path, const std::string& data,
                          bool ephemeral, bool sequential,
                          std::string* created) {
  read_lock guard{handle_mtx_};
  int flags = (ephemeral ? ZOO_EPHEMERAL : 0) | (sequential ? ZOO_SEQUENCE : 0);
  std::string buffer(path_buffer_size, '\0');
  auto rc = zoo_create(zh_, path.c_str(), data.data(),
                       static_cast<int>(data.size()), acl_of(settings_),
                       flags, buffer.data(), path_buffer_size);
  if (rc == ZOK && created)
    *created = buffer.c_str();
  return rc;
}

int zk_connection::set(const std::string& path, const std::string& data,
                       int version) {
  read_lock guard{handle_mtx_};
  return zoo_set(zh_, path.c_str(), data.data(), static_cast<int>(data.size()),
                 version);
}

int zk_connection::remove(const std::string& path, int version) {
  read_lock guard{handle_mtx_};
  return zoo_delete(zh_, path.c_str(), version);
}

int zk_connection::multi(const std::vector<zk_op>& ops,
                         std::vector<std::string>* created,
                         size_t* failed_op) {
  if (ops.empty())
    return ZOK;
  std::vector<zoo_op_t> zoo_ops(ops.size());
  std::vector<zoo_op_result_t> results(ops.size());
  std::vector<std::string> paths(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    auto& op = ops[i];
    switch (op.kind) {
      case zk_op::create:
        paths[i].assign(path_buffer_size, '\0');
        zoo_create_op_init(&zoo_ops[i], op.path.c_str(), op.data.data(),
                           static_cast<int>(op.data.size()),
                           acl_of(settings_),
                           (op.ephemeral ? ZOO_EPHEMERAL : 0)
                             | (op.sequential ? ZOO_SEQUENCE : 0),
                           paths[i].data(),
                           path_buffer_size);
        break;
      case zk_op::remove:
        zoo_delete_op_init(&zoo_ops[i], op.path.c_str(), op.version);
        break;
      case zk_op::set:
        zoo_set_op_init(&zoo_ops[i], op.path.c_str(), op.data.data(),
                        static_cast<int>(op.data.size()), op.version, nullptr);
        break;
      case zk_op::check:
        zoo_check_op_init(&zoo_ops[i], op.path.c_str(), op.version);
        break;
    }
  }
  read_lock guard{handle_mtx_};
  auto rc = zoo_multi(zh_, static_cast<int>(ops.size()), zoo_ops.data(),
                      results.data());
  if (rc == ZOK && created)
    for (size_t i = 0; i < ops.size(); ++i)
      if (ops[i].kind == zk_op::create)
        created->push_back(paths[i].c_str());
  // The ops after the failed one report a runtime inconsistency.
  if (rc != ZOK && failed_op)
    for (size_t i = 0; i < ops.size(); ++i)
      if (results[i].err != ZOK && results[i].err != ZRUNTIMEINCONSISTENCY) {
        *failed_op = i;
        break;
      }
  return rc;
}

int zk_connection::ensure_path(const std::string& path) {
  if (path.empty() || exists(path) == ZOK)
    return ZOK;
  if (auto rc = ensure_path(parent_of(path)); rc != ZOK)
    return rc;
  auto rc = create(path, {});
  return rc == ZNODEEXISTS ? ZOK : rc;
}

int zk_connection::remove_recursive(const std::string& path) {
  // Bounded: a node may get new children while we delete (a contender
  // joining); give up after a few rounds rather than loop.
  for (int round = 0; round < 5; ++round) {
    std::vector<std::string> names;
    auto rc = children(path, names);
    if (rc == ZNONODE)
      return ZOK;
    if (rc != ZOK)
      return rc;
    for (auto& name : names)
      if (auto sub = remove_recursive(path + "/" + name); sub != ZOK)
        return sub;
    rc = remove(path);
    if (rc == ZOK || rc == ZNONODE)
      return ZOK;
    if (rc != ZNOTEMPTY)
      return rc;
  }
  return ZNOTEMPTY;
}

} // namespace ha
