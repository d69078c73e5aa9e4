#include "seqvi/model/latent.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace seqvi::model {
namespace {

template <class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(ModelLatent, NamesRoundTripThroughParse) {
  for (Prior p : {Prior::wiener, Prior::normal, Prior::learned}) EXPECT_EQ(parse_prior(to_string(p)), p);
  EXPECT_EQ(to_string(Prior::learned), "learned");
  for (Posterior q : {Posterior::increments, Posterior::marginal, Posterior::markov})
    EXPECT_EQ(parse_posterior(to_string(q)), q);
  EXPECT_EQ(to_string(Posterior::markov), "markov");
  for (KlMode m : {KlMode::exact, KlMode::paper_diagonal}) EXPECT_EQ(parse_kl_mode(to_string(m)), m);
  EXPECT_EQ(to_string(KlMode::paper_diagonal), "paper-diagonal");
}

TEST(ModelLatent, ParseErrorsNameTheValueAndTheAllowedValues) {
  EXPECT_EQ(message_of([] { parse_kl_mode("paper"); }), "kl is 'paper', must be exact or paper-diagonal");
  EXPECT_EQ(message_of([] { parse_prior("gauss"); }), "prior is 'gauss', must be wiener, normal or learned");
  EXPECT_EQ(message_of([] { parse_posterior("Marginal"); }),
            "posterior is 'Marginal', must be increments, marginal or markov");
  EXPECT_EQ(message_of([] { parse_kl_mode("paper_diagonal"); }),
            "kl is 'paper_diagonal', must be exact or paper-diagonal");
}

TEST(ModelLatent, DefaultIsWienerPriorIncrementsPosteriorExactKl) {
  const LatentSpec spec;
  EXPECT_EQ(spec.prior, Prior::wiener);
  EXPECT_EQ(spec.posterior, Posterior::increments);
  EXPECT_EQ(spec.kl, KlMode::exact);
  EXPECT_NO_THROW(validate(spec));
  EXPECT_EQ(to_string(spec), "prior wiener, posterior increments, kl exact");
}

TEST(ModelLatent, PaperDiagonalIsValidOnlyForTheMarginalPosteriorWithTheWienerPrior) {
  for (Prior p : {Prior::wiener, Prior::normal, Prior::learned})
    for (Posterior q : {Posterior::increments, Posterior::marginal, Posterior::markov}) {
      EXPECT_NO_THROW(validate({p, q, KlMode::exact}));
      const LatentSpec paper{p, q, KlMode::paper_diagonal};
      if (p == Prior::wiener && q == Posterior::marginal) {
        EXPECT_NO_THROW(validate(paper));
      } else {
        const std::string msg = message_of([&] { validate(paper); });
        EXPECT_NE(msg.find("paper-diagonal"), std::string::npos) << msg;
        EXPECT_NE(msg.find("only for the marginal posterior with the wiener prior"), std::string::npos) << msg;
        EXPECT_NE(msg.find(std::string(to_string(q))), std::string::npos) << msg;
        EXPECT_NE(msg.find("prior " + std::string(to_string(p))), std::string::npos) << msg;
      }
    }
}

TEST(ModelLatent, IncrementsAndMarginalAreTheFixedCoefficientCasesOfMarkov) {
  EXPECT_EQ(fixed_coef(Posterior::increments), 1.0);
  EXPECT_EQ(fixed_coef(Posterior::marginal), 0.0);
  EXPECT_LT(fixed_coef(Posterior::markov), 0.0);  // no fixed a: the heads emit it
}

TEST(ModelLatent, OnlyPaperDiagonalIsNotABound) {
  EXPECT_TRUE(is_bound({Prior::normal, Posterior::markov, KlMode::exact}));
  EXPECT_TRUE(is_bound({Prior::wiener, Posterior::marginal, KlMode::exact}));
  EXPECT_TRUE(is_bound({Prior::normal, Posterior::increments, KlMode::exact}));
  EXPECT_TRUE(is_bound({Prior::learned, Posterior::marginal, KlMode::exact}));
  EXPECT_FALSE(is_bound({Prior::wiener, Posterior::marginal, KlMode::paper_diagonal}));
}

}  // namespace
}  // namespace seqvi::model
