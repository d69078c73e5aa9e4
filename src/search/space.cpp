#include "seqvi/search/space.hpp"

#include <cmath>
#include <stdexcept>

namespace seqvi::search {

namespace {

void check(const Distribution& d, const std::string& name) {
  auto fail = [&](const std::string& rule) { throw std::invalid_argument("hyper-parameter '" + name + "': " + rule); };
  if (const auto* c = std::get_if<Categorical>(&d); c && c->choices.empty())
    fail("categorical with no choices, must have at least one");
  if (const auto* u = std::get_if<Uniform>(&d); u && !(u->low <= u->high))
    fail("uniform low " + std::to_string(u->low) + " > high " + std::to_string(u->high));
  if (const auto* u = std::get_if<LogUniform>(&d); u && !(u->low > 0 && u->low <= u->high))
    fail("log-uniform needs 0 < low ≤ high, got low " + std::to_string(u->low) + ", high " + std::to_string(u->high));
  if (const auto* u = std::get_if<IntUniform>(&d); u && !(u->low <= u->high))
    fail("int-uniform low " + std::to_string(u->low) + " > high " + std::to_string(u->high));
}

}  // namespace

Value sample(const Distribution& d, core::Rng& rng) {
  check(d, "?");
  struct Visitor {
    core::Rng& rng;
    Value operator()(const Fixed& f) const { return f.value; }
    Value operator()(const Categorical& c) const { return c.choices[rng.uniform_index(c.choices.size())]; }
    Value operator()(const Uniform& u) const { return u.low + (u.high - u.low) * rng.uniform01(); }
    Value operator()(const LogUniform& u) const {
      return std::exp(std::log(u.low) + (std::log(u.high) - std::log(u.low)) * rng.uniform01());
    }
    Value operator()(const IntUniform& u) const {
      return u.low + static_cast<std::int64_t>(rng.uniform_index(static_cast<std::uint64_t>(u.high - u.low) + 1));
    }
  };
  return std::visit(Visitor{rng}, d);
}

Params sample(const Space& space, core::Rng& rng) {
  Params out;
  for (const auto& [name, d] : space) out.emplace(name, sample(d, rng));
  return out;
}

void validate(const Space& space) {
  for (const auto& [name, d] : space) check(d, name);
}

Space default_space() {
  using V = std::vector<Value>;
  auto ints = [](std::initializer_list<std::int64_t> xs) {
    V v;
    for (auto x : xs) v.emplace_back(x);
    return Categorical{v};
  };
  auto reals = [](std::initializer_list<double> xs) {
    V v;
    for (auto x : xs) v.emplace_back(x);
    return Categorical{v};
  };
  Space s;
  // --- the paper's Table 2 ---
  s["hidden"] = ints({200, 400, 600});         // one hidden layer per network
  s["transfer"] = Fixed{std::string("tanh")};  // the standard tanh
  s["step_rate"] = reals({1e-2, 5e-3, 1e-3, 5e-4, 1e-4, 1e-5});
  s["momentum"] = reals({0.0, 0.9, 0.95, 0.99, 0.995});
  s["decay"] = reals({0.8, 0.9});
  s["init_var_rec"] = reals({1e-1, 1e-2, 1e-3, 1e-4});  // σ² of W_rec
  s["init_var_in"] = reals({1e-1, 1e-2, 1e-3, 1e-4});   // σ² of W_in (and other weights)
  s["spectral_radius"] = reals({1.0, 1.05, 1.1, 1.2});  // ρ
  s["incoming"] = ints({15, 25, 35, 50, 0});            // ν; 0 = none (all connections)
  s["bias_hidden"] = Fixed{0.0};
  s["bias_out"] = Fixed{-0.8};
  // --- what the paper leaves open: seqvi's defaults ---
  s["latent"] = ints({16, 32, 64});
  s["batch_size"] = ints({8, 16, 32});  // JSB: ~260 chunks, so 8 → ~33 updates/epoch
  s["chunk_frames"] = Fixed{std::int64_t{100}};
  s["keep_inputs"] = Categorical{V{0.8, 0.9, 1.0}};
  s["keep_hidden"] = Categorical{V{0.8, 0.9, 1.0}};
  s["learn_keep"] = Fixed{true};
  s["prior"] = Fixed{std::string("learned")};     // the forms chosen by measurement (docs/latent-forms.md);
  s["posterior"] = Fixed{std::string("markov")};  // the paper's wiener/increments stay available by name
  s["kl"] = Fixed{std::string("exact")};
  s["variance_head"] = Fixed{std::string("softplus")};
  s["clip_norm"] = Fixed{225.0};
  s["epochs"] = Fixed{std::int64_t{100}};
  s["patience"] = Fixed{std::int64_t{10}};
  s["kl_warmup"] = Fixed{std::int64_t{10}};  // epochs of KL warm-up (0 = off); measured, latent-forms.md
  s["recoveries"] = Fixed{std::int64_t{4}};  // divergence recovery (train/trainer.hpp; 0 = off); latent-forms.md
  s["recovery_factor"] = Fixed{0.3};
  s["step_patience"] = Fixed{std::int64_t{3}};  // step-rate reduction on a stall (train/trainer.hpp); latent-forms.md
  return s;
}

std::vector<std::string> known_hyperparameters() {
  std::vector<std::string> names;
  for (const auto& [name, d] : default_space()) names.push_back(name);
  return names;
}

}  // namespace seqvi::search
