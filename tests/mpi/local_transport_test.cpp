#include "seqvi/mpi/local_transport.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace seqvi::mpi {
namespace {

using namespace std::chrono_literals;

TEST(MpiLocalTransport, EndpointsKnowTheirRankAndSize) {
  auto t = make_local_transports(3);
  ASSERT_EQ(t.size(), 3u);
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(t[static_cast<std::size_t>(r)]->rank(), r);
    EXPECT_EQ(t[static_cast<std::size_t>(r)]->size(), 3);
  }
  EXPECT_THROW(make_local_transports(0), std::invalid_argument);
}

TEST(MpiLocalTransport, MessagesFromOneSenderArriveInOrderWithTheirSource) {
  auto t = make_local_transports(3);
  for (int i = 0; i < 100; ++i) t[1]->send(0, std::string("a").append(std::to_string(i)));
  t[2]->send(0, "b");
  int next_a = 0;
  bool saw_b = false;
  while (auto p = t[0]->receive(0us)) {
    if (p->source == 1) {
      EXPECT_EQ(p->bytes, std::string("a").append(std::to_string(next_a++)));
    } else {
      EXPECT_EQ(p->source, 2);
      EXPECT_EQ(p->bytes, "b");
      saw_b = true;
    }
  }
  EXPECT_EQ(next_a, 100);
  EXPECT_TRUE(saw_b);
}

TEST(MpiLocalTransport, ReceiveTimesOutEmptyAndWakesForAMessageFromAnotherThread) {
  auto t = make_local_transports(2);
  EXPECT_FALSE(t[0]->receive(1ms).has_value());
  std::thread sender([&] { t[1]->send(0, "hello"); });
  auto p = t[0]->receive(std::chrono::microseconds(std::chrono::seconds(10)));
  sender.join();
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->source, 1);
  EXPECT_EQ(p->bytes, "hello");
}

TEST(MpiLocalTransport, SendingToItselfOrOutsideTheWorldIsAnError) {
  auto t = make_local_transports(2);
  EXPECT_THROW(t[0]->send(0, "x"), std::invalid_argument);
  EXPECT_THROW(t[0]->send(2, "x"), std::invalid_argument);
  EXPECT_THROW(t[0]->send(-1, "x"), std::invalid_argument);
}

}  // namespace
}  // namespace seqvi::mpi
