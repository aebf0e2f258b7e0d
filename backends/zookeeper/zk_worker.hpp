#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace ha {

/// One thread running tasks in the order they were posted. The drivers post
/// every call and every ZooKeeper event here, so their state needs no lock
/// and blocking client calls never run on the client's own threads.
class zk_worker {
public:
  zk_worker() : thread_([this] { run(); }) {
  }

  /// Runs the tasks already posted, then stops.
  ~zk_worker() {
    stop();
  }

  zk_worker(const zk_worker&) = delete;
  zk_worker& operator=(const zk_worker&) = delete;

  /// Ignored once stopping.
  void post(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (stopping_)
        return;
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

  void stop() {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      stopping_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id())
      thread_.join();
  }

private:
  void run() {
    std::unique_lock<std::mutex> guard{mtx_};
    for (;;) {
      cv_.wait(guard, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty())
        return;
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      guard.unlock();
      task();
      guard.lock();
    }
  }

  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace ha
