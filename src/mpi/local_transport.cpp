#include "seqvi/mpi/local_transport.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

namespace seqvi::mpi {
namespace {

struct Mailbox {
  std::mutex mutex;
  std::condition_variable arrived;
  std::deque<Packet> packets;
};

struct Hub {
  explicit Hub(int size) : boxes(static_cast<std::size_t>(size)) {}
  std::vector<Mailbox> boxes;
  std::atomic<int> aborted_by{-1};  ///< the rank that called abort(), or −1
};

class LocalTransport final : public Transport {
 public:
  LocalTransport(std::shared_ptr<Hub> hub, int rank) : hub_(std::move(hub)), rank_(rank) {}

  int rank() const override { return rank_; }
  int size() const override { return static_cast<int>(hub_->boxes.size()); }

  void send(int dest, std::string bytes) override {
    check_not_aborted();
    detail::check_destination(dest, rank_, size());
    Mailbox& box = hub_->boxes[static_cast<std::size_t>(dest)];
    {
      std::lock_guard lock(box.mutex);
      box.packets.push_back(Packet{rank_, std::move(bytes)});
    }
    box.arrived.notify_one();
  }

  std::optional<Packet> receive(std::chrono::microseconds timeout) override {
    check_not_aborted();
    Mailbox& box = hub_->boxes[static_cast<std::size_t>(rank_)];
    std::unique_lock lock(box.mutex);
    if (box.packets.empty() && timeout.count() > 0)
      box.arrived.wait_for(lock, timeout, [&] { return !box.packets.empty() || hub_->aborted_by >= 0; });
    check_not_aborted();
    if (box.packets.empty()) return std::nullopt;
    Packet packet = std::move(box.packets.front());
    box.packets.pop_front();
    return packet;
  }

  void abort(int /*code*/) noexcept override {
    int none = -1;
    hub_->aborted_by.compare_exchange_strong(none, rank_);
    for (auto& box : hub_->boxes) {
      std::lock_guard lock(box.mutex);  // a waiter is either before its predicate check or woken
      box.arrived.notify_all();
    }
  }

 private:
  void check_not_aborted() const {
    if (const int by = hub_->aborted_by; by >= 0) throw JobAborted("rank " + std::to_string(by) + " aborted the job");
  }

  std::shared_ptr<Hub> hub_;
  int rank_;
};

}  // namespace

std::vector<std::unique_ptr<Transport>> make_local_transports(int size) {
  if (size < 1) throw std::invalid_argument("size is " + std::to_string(size) + ", must be ≥ 1");
  auto hub = std::make_shared<Hub>(size);
  std::vector<std::unique_ptr<Transport>> endpoints;
  for (int r = 0; r < size; ++r) endpoints.push_back(std::make_unique<LocalTransport>(hub, r));
  return endpoints;
}

}  // namespace seqvi::mpi
