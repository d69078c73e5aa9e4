#include "seqvi/model/latent.hpp"

#include <stdexcept>

namespace seqvi::model {

std::string_view to_string(Prior prior) {
  switch (prior) {
    case Prior::wiener:
      return "wiener";
    case Prior::normal:
      return "normal";
    case Prior::learned:
      return "learned";
  }
  throw std::invalid_argument("prior has an invalid enum value");
}

std::string_view to_string(Posterior posterior) {
  switch (posterior) {
    case Posterior::increments:
      return "increments";
    case Posterior::marginal:
      return "marginal";
    case Posterior::markov:
      return "markov";
  }
  throw std::invalid_argument("posterior has an invalid enum value");
}

double fixed_coef(Posterior posterior) {
  switch (posterior) {
    case Posterior::increments:
      return 1.0;
    case Posterior::marginal:
      return 0.0;
    case Posterior::markov:
      return -1.0;
  }
  throw std::invalid_argument("posterior has an invalid enum value");
}

std::string_view to_string(KlMode kl) {
  switch (kl) {
    case KlMode::exact:
      return "exact";
    case KlMode::paper_diagonal:
      return "paper-diagonal";
  }
  throw std::invalid_argument("kl has an invalid enum value");
}

std::string to_string(const LatentSpec& spec) {
  std::string out = "prior ";
  out += to_string(spec.prior);
  out += ", posterior ";
  out += to_string(spec.posterior);
  out += ", kl ";
  out += to_string(spec.kl);
  return out;
}

namespace {

[[noreturn]] void bad_name(std::string_view what, std::string_view name, std::string_view allowed) {
  std::string msg(what);
  msg += " is '";
  msg += name;
  msg += "', must be ";
  msg += allowed;
  throw std::invalid_argument(msg);
}

}  // namespace

Prior parse_prior(std::string_view name) {
  if (name == "wiener") return Prior::wiener;
  if (name == "normal") return Prior::normal;
  if (name == "learned") return Prior::learned;
  bad_name("prior", name, "wiener, normal or learned");
}

Posterior parse_posterior(std::string_view name) {
  if (name == "increments") return Posterior::increments;
  if (name == "marginal") return Posterior::marginal;
  if (name == "markov") return Posterior::markov;
  bad_name("posterior", name, "increments, marginal or markov");
}

KlMode parse_kl_mode(std::string_view name) {
  if (name == "exact") return KlMode::exact;
  if (name == "paper-diagonal") return KlMode::paper_diagonal;
  bad_name("kl", name, "exact or paper-diagonal");
}

void validate(const LatentSpec& spec) {
  // to_string throws on values outside the enums (e.g. from a bad cast).
  to_string(spec.prior);
  to_string(spec.posterior);
  to_string(spec.kl);
  if (spec.kl == KlMode::paper_diagonal && (spec.posterior != Posterior::marginal || spec.prior != Prior::wiener)) {
    std::string msg = "kl is paper-diagonal, which is defined only for the marginal posterior with ";
    msg += "the wiener prior; got posterior ";
    msg += to_string(spec.posterior);
    msg += " and prior ";
    msg += to_string(spec.prior);
    throw std::invalid_argument(msg);
  }
}

bool is_bound(const LatentSpec& spec) { return spec.kl == KlMode::exact; }

}  // namespace seqvi::model
