#include "seqvi/mpi/messages.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include <limits>

namespace seqvi::mpi {
namespace {

search::TrialSpec spec() {
  search::TrialSpec s;
  s.dataset = "jsb";
  s.model = "vosp";
  s.index = 7;
  s.seed = 0xdeadbeefcafef00dULL;
  s.params = {
      {"hidden", std::int64_t{400}}, {"step_rate", 1.25e-4}, {"activation", std::string("tanh")}, {"learn_keep", true}};
  return s;
}

template <class T>
T round_trip(const T& m) {
  Message decoded = decode(encode(m));
  EXPECT_TRUE(std::holds_alternative<T>(decoded));
  return std::get<T>(decoded);
}

TEST(MpiMessages, AssignRoundTripsTheSpecAndItsParams) {
  const Assign a = round_trip(Assign{spec(), "/sweep/trials/jsb-vosp-0007.h5", true});
  EXPECT_EQ(a.spec.dataset, "jsb");
  EXPECT_EQ(a.spec.model, "vosp");
  EXPECT_EQ(a.spec.index, 7);
  EXPECT_EQ(a.spec.seed, 0xdeadbeefcafef00dULL);
  EXPECT_EQ(a.spec.params, spec().params);
  EXPECT_EQ(a.checkpoint, "/sweep/trials/jsb-vosp-0007.h5");
  EXPECT_TRUE(a.await_verdict);
}

TEST(MpiMessages, EveryKindRoundTrips) {
  EXPECT_EQ(round_trip(Started{"jsb-vosp-0001"}).trial, "jsb-vosp-0001");
  const EpochReport e = round_trip(EpochReport{"t", 12, -7.125});
  EXPECT_EQ(e.trial, "t");
  EXPECT_EQ(e.epoch, 12);
  EXPECT_EQ(e.valid_bound, -7.125);
  const Verdict v = round_trip(Verdict{"t", 3, false});
  EXPECT_EQ(v.epoch, 3);
  EXPECT_FALSE(v.keep_going);
  TrialOutcome o;
  o.state = search::TrialState::diverged;
  o.epochs = 4;
  o.best_valid = std::numeric_limits<double>::infinity();
  o.best_epoch = 0;
  o.wall_s = 1.5;
  o.message = "NaN in loss";
  o.valid_curve = {9.5, 8.25, std::numeric_limits<double>::quiet_NaN(), 7.0};
  o.valid_kl = 0.3125;
  o.active_dims = 7;
  const Result r = round_trip(Result{"t", o});
  EXPECT_EQ(r.outcome.valid_kl, 0.3125);
  EXPECT_EQ(r.outcome.active_dims, 7);
  EXPECT_EQ(r.outcome.state, search::TrialState::diverged);
  EXPECT_EQ(r.outcome.epochs, 4);
  EXPECT_EQ(r.outcome.best_valid, std::numeric_limits<double>::infinity());
  EXPECT_EQ(r.outcome.wall_s, 1.5);
  EXPECT_EQ(r.outcome.message, "NaN in loss");
  ASSERT_EQ(r.outcome.valid_curve.size(), 4u);
  EXPECT_EQ(r.outcome.valid_curve[1], 8.25);
  EXPECT_TRUE(std::isnan(r.outcome.valid_curve[2]));
  EXPECT_EQ(r.outcome.valid_curve[3], 7.0);
  EXPECT_EQ(round_trip(StopRequest{15}).signal, 15);
  EXPECT_TRUE(round_trip(Shutdown{true}).drained);
  EXPECT_FALSE(round_trip(Shutdown{false}).drained);
  round_trip(Bye{});
}

TEST(MpiMessages, TruncatedBytesAreAnErrorNamingTheSize) {
  std::string bytes = encode(Assign{spec(), "ckpt", false});
  bytes.resize(bytes.size() / 2);
  try {
    decode(bytes);
    FAIL() << "decode accepted a truncated message";
  } catch (const MessageError& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(bytes.size()) + " bytes"), std::string::npos) << e.what();
  }
}

TEST(MpiMessages, AnotherProtocolVersionIsRejected) {
  std::string bytes = encode(Bye{});
  bytes[0] = static_cast<char>(kProtocolVersion + 1);  // little-endian u16 first
  EXPECT_THROW(decode(bytes), MessageError);
}

TEST(MpiMessages, UnknownKindAndTrailingBytesAreRejected) {
  std::string bytes = encode(Bye{});
  bytes[2] = 99;  // the variant index (i32) follows the version
  EXPECT_THROW(decode(bytes), MessageError);
  EXPECT_THROW(decode(encode(Bye{}) + "x"), MessageError);
}

}  // namespace
}  // namespace seqvi::mpi
