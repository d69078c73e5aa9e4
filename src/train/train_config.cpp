#include "seqvi/train/train_config.hpp"

#include <cmath>
#include <functional>
#include <map>
#include <stdexcept>

namespace seqvi::train {
namespace {

[[noreturn]] void bad(const std::string& key, const std::string& value, const std::string& rule) {
  throw std::invalid_argument(key + " is " + value + ", must be " + rule);
}

std::int64_t as_int(const core::Value& v, const std::string& key) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v); d && std::floor(*d) == *d && std::abs(*d) < 9e15)
    return static_cast<std::int64_t>(*d);
  bad(key, core::to_string(v), "an integer");
}
double as_double(const core::Value& v, const std::string& key) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  bad(key, core::to_string(v), "a number");
}
std::string as_string(const core::Value& v, const std::string& key) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  bad(key, core::to_string(v), "a string");
}
bool as_bool(const core::Value& v, const std::string& key) {
  if (const auto* b = std::get_if<bool>(&v)) return *b;
  bad(key, core::to_string(v), "true or false");
}

/// One table: name → how to write it into a TrainConfig and read it back.
struct Field {
  std::function<void(TrainConfig&, const core::Value&, const std::string&)> set;
  std::function<core::Value(const TrainConfig&)> get;
};

const std::map<std::string, Field>& fields() {
  using V = core::Value;
  static const std::map<std::string, Field> table = {
      {"model",
       {[](TrainConfig& c, const V& v, const std::string& k) {
          c.model.kind = model::parse_model_kind(as_string(v, k));
        },
        [](const TrainConfig& c) { return V(std::string(model::to_string(c.model.kind))); }}},
      {"hidden",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.model.hidden = as_int(v, k); },
        [](const TrainConfig& c) { return V(std::int64_t{c.model.hidden}); }}},
      {"latent",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.model.latent = as_int(v, k); },
        [](const TrainConfig& c) { return V(std::int64_t{c.model.latent}); }}},
      {"transfer",
       {[](TrainConfig& c, const V& v, const std::string& k) {
          c.model.transfer = model::parse_transfer(as_string(v, k));
        },
        [](const TrainConfig& c) { return V(std::string(model::to_string(c.model.transfer))); }}},
      {"keep_inputs",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.model.keep_inputs = as_double(v, k); },
        [](const TrainConfig& c) { return V(c.model.keep_inputs); }}},
      {"keep_hidden",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.model.keep_hidden = as_double(v, k); },
        [](const TrainConfig& c) { return V(c.model.keep_hidden); }}},
      {"learn_keep",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.model.learn_keep = as_bool(v, k); },
        [](const TrainConfig& c) { return V(c.model.learn_keep); }}},
      {"prior",
       {[](TrainConfig& c, const V& v, const std::string& k) {
          c.model.latent_spec.prior = model::parse_prior(as_string(v, k));
        },
        [](const TrainConfig& c) { return V(std::string(model::to_string(c.model.latent_spec.prior))); }}},
      {"posterior",
       {[](TrainConfig& c, const V& v, const std::string& k) {
          c.model.latent_spec.posterior = model::parse_posterior(as_string(v, k));
        },
        [](const TrainConfig& c) { return V(std::string(model::to_string(c.model.latent_spec.posterior))); }}},
      {"kl",
       {[](TrainConfig& c, const V& v, const std::string& k) {
          c.model.latent_spec.kl = model::parse_kl_mode(as_string(v, k));
        },
        [](const TrainConfig& c) { return V(std::string(model::to_string(c.model.latent_spec.kl))); }}},
      {"variance_head",
       {[](TrainConfig& c, const V& v, const std::string& k) {
          c.model.variance_head = model::parse_variance_head(as_string(v, k));
        },
        [](const TrainConfig& c) { return V(std::string(model::to_string(c.model.variance_head))); }}},
      {"step_rate",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.optimizer.step_rate = as_double(v, k); },
        [](const TrainConfig& c) { return V(c.optimizer.step_rate); }}},
      {"momentum",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.optimizer.momentum = as_double(v, k); },
        [](const TrainConfig& c) { return V(c.optimizer.momentum); }}},
      {"decay",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.optimizer.decay = as_double(v, k); },
        [](const TrainConfig& c) { return V(c.optimizer.decay); }}},
      {"rmsprop_bias_correction",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.optimizer.bias_correction = as_bool(v, k); },
        [](const TrainConfig& c) { return V(c.optimizer.bias_correction); }}},
      {"clip_norm",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.optimizer.clip_norm = as_double(v, k); },
        [](const TrainConfig& c) { return V(c.optimizer.clip_norm); }}},
      {"init_var_in",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.init.var_in = as_double(v, k); },
        [](const TrainConfig& c) { return V(c.init.var_in); }}},
      {"init_var_rec",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.init.var_rec = as_double(v, k); },
        [](const TrainConfig& c) { return V(c.init.var_rec); }}},
      {"incoming",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.init.incoming = as_int(v, k); },
        [](const TrainConfig& c) { return V(c.init.incoming); }}},
      {"spectral_radius",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.init.spectral_radius = as_double(v, k); },
        [](const TrainConfig& c) { return V(c.init.spectral_radius); }}},
      {"bias_hidden",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.init.bias_hidden = as_double(v, k); },
        [](const TrainConfig& c) { return V(c.init.bias_hidden); }}},
      {"bias_out",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.init.bias_out = as_double(v, k); },
        [](const TrainConfig& c) { return V(c.init.bias_out); }}},
      {"bias_out_from_data",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.init.bias_out_from_data = as_bool(v, k); },
        [](const TrainConfig& c) { return V(c.init.bias_out_from_data); }}},
      {"batch_size",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.batching.batch_size = as_int(v, k); },
        [](const TrainConfig& c) { return V(c.batching.batch_size); }}},
      {"chunk_frames",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.batching.max_frames = as_int(v, k); },
        [](const TrainConfig& c) { return V(c.batching.max_frames); }}},
      {"bucketing",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.batching.bucketing = as_bool(v, k); },
        [](const TrainConfig& c) { return V(c.batching.bucketing); }}},
      {"epochs",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.epochs = as_int(v, k); },
        [](const TrainConfig& c) { return V(c.epochs); }}},
      {"patience",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.patience = as_int(v, k); },
        [](const TrainConfig& c) { return V(c.patience); }}},
      {"kl_warmup",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.kl_warmup = as_int(v, k); },
        [](const TrainConfig& c) { return V(c.kl_warmup); }}},
      {"recoveries",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.recoveries = as_int(v, k); },
        [](const TrainConfig& c) { return V(c.recoveries); }}},
      {"recovery_factor",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.recovery_factor = as_double(v, k); },
        [](const TrainConfig& c) { return V(c.recovery_factor); }}},
      {"step_patience",
       {[](TrainConfig& c, const V& v, const std::string& k) { c.step_patience = as_int(v, k); },
        [](const TrainConfig& c) { return V(c.step_patience); }}},
      {"seed",
       {[](TrainConfig& c, const V& v, const std::string& k) {
          const auto s = as_int(v, k);
          if (s < 0) bad(k, std::to_string(s), "≥ 0");
          c.seed = static_cast<std::uint64_t>(s);
        },
        [](const TrainConfig& c) { return V(static_cast<std::int64_t>(c.seed)); }}},
  };
  return table;
}

}  // namespace

void TrainConfig::validate() const {
  model.validate();
  optimizer.validate();
  if (!(init.var_in > 0)) bad("init_var_in", std::to_string(init.var_in), "> 0");
  if (!(init.var_rec > 0)) bad("init_var_rec", std::to_string(init.var_rec), "> 0");
  if (init.incoming < 0) bad("incoming", std::to_string(init.incoming), "≥ 0 (0 = all connections)");
  if (!(init.spectral_radius > 0)) bad("spectral_radius", std::to_string(init.spectral_radius), "> 0");
  if (!std::isfinite(init.bias_hidden)) bad("bias_hidden", std::to_string(init.bias_hidden), "finite");
  if (!std::isfinite(init.bias_out)) bad("bias_out", std::to_string(init.bias_out), "finite");
  if (batching.batch_size < 1) bad("batch_size", std::to_string(batching.batch_size), "≥ 1");
  if (batching.max_frames < 1) bad("chunk_frames", std::to_string(batching.max_frames), "≥ 1");
  if (epochs < 1) bad("epochs", std::to_string(epochs), "≥ 1");
  if (patience < 1) bad("patience", std::to_string(patience), "≥ 1");
  if (kl_warmup < 0) bad("kl_warmup", std::to_string(kl_warmup), "≥ 0 (0 = no warm-up)");
  if (recoveries < 0) bad("recoveries", std::to_string(recoveries), "≥ 0 (0 = no divergence recovery)");
  if (!(recovery_factor > 0 && recovery_factor < 1))
    bad("recovery_factor", std::to_string(recovery_factor), "in (0, 1)");
  if (step_patience < 0) bad("step_patience", std::to_string(step_patience), "≥ 0 (0 = no step-rate reduction)");
}

TrainConfig from_checkpoint_params(core::Params params) {
  params.try_emplace("kl_warmup", std::int64_t{0});  // before warm-up existed: none
  // Before these existed: r started at 1 without correction, b_y at bias_out.
  params.try_emplace("rmsprop_bias_correction", false);
  params.try_emplace("bias_out_from_data", false);
  // Before divergence recovery existed: a divergence ended the trial.
  params.try_emplace("recoveries", std::int64_t{0});
  // Before the step-rate reduction on a stall existed: none.
  params.try_emplace("step_patience", std::int64_t{0});
  return from_params(params);
}

model::ModelConfig default_model_config() {
  model::ModelConfig m;
  m.hidden = 200;
  m.latent = 16;
  m.latent_spec.prior = model::Prior::learned;
  m.latent_spec.posterior = model::Posterior::markov;
  return m;
}

RmspropConfig default_optimizer() {
  // Bias correction stays off: measured on JSB at hidden 400 / latent 64 / batch 32 it makes the
  // FD-RNN faster (8.89 against 9.12 after 12 epochs) but the VOSP unstable under KL warm-up
  // (10.32 against 9.09 after 14 epochs): r = 1 at the start acts as a warm-up of the step
  // (docs/latent-forms.md, "The plateau study").
  RmspropConfig o;
  o.bias_correction = false;
  return o;
}

data::BatchingOptions default_batching() {
  data::BatchingOptions b;
  b.batch_size = 8;
  return b;
}

core::Params TrainConfig::to_params() const {
  core::Params p;
  for (const auto& [name, field] : fields()) p.emplace(name, field.get(*this));
  return p;
}

TrainConfig from_params(const core::Params& params) {
  TrainConfig c;
  for (const auto& [name, value] : params) {
    const auto it = fields().find(name);
    if (it == fields().end()) {
      std::string known;
      for (const auto& [n, f] : fields()) known += (known.empty() ? "" : ", ") + n;
      throw std::invalid_argument("unknown hyper-parameter '" + name + "' (known: " + known + ")");
    }
    it->second.set(c, value, name);
  }
  c.validate();
  return c;
}

std::vector<std::string> hyperparameter_names() {
  std::vector<std::string> names;
  for (const auto& [n, f] : fields()) names.push_back(n);
  return names;
}

std::string describe_hyperparameter(const std::string& name) {
  static const std::map<std::string, std::string> text = {
      {"model", "vrae | vosp | rnn (deterministic RNN) | fdrnn (fast-dropout RNN)"},
      {"hidden", "units of each hidden layer (Table 2: 200, 400, 600)"},
      {"latent", "latent dimensions per frame (vrae, vosp)"},
      {"transfer", "hidden transfer: tanh | sigmoid | rectifier | identity"},
      {"keep_inputs", "fast-dropout keep rate of layer inputs, in (0, 1]; 1 = no dropout"},
      {"keep_hidden", "fast-dropout keep rate of hidden units, in (0, 1]"},
      {"learn_keep", "learn the keep rates (true) or keep them fixed (false)"},
      {"prior",
       "prior on z: wiener (z_0 = 0, unit increments) | normal (N(0, I) per frame) | learned "
       "(vosp: N(mu(h_(t-1)), sigma^2(h_(t-1))) from the recognition state; vrae: "
       "z_t ~ N(alpha z_(t-1), beta^2) with alpha, beta^2 learned per dim; not with "
       "kl = paper-diagonal)"},
      {"posterior",
       "marginal (diagonal Gaussian q(z_t) per frame) | increments (on z_t - z_(t-1), the paper's; "
       "its noise accumulates along t) | markov (z_t = a_t z_(t-1) + mu_t + sigma_t eps_t with a "
       "learned a_t in [0, 1])"},
      {"kl", "exact | paper-diagonal (the authors' approximation: below the true KL, NOT a bound)"},
      {"variance_head", "how q's variance is produced: softplus | fd (fast-dropout variance)"},
      {"step_rate", "rmsprop step rate alpha (Table 2: 1e-2 ... 1e-5)"},
      {"momentum", "Nesterov momentum beta (Table 2: 0, 0.9, 0.95, 0.99, 0.995)"},
      {"decay", "rmsprop decay gamma of the squared-gradient average (Table 2: 0.8, 0.9)"},
      {"clip_norm", "clip the gradient to this global norm (inf = no clipping)"},
      {"rmsprop_bias_correction",
       "rmsprop's squared-gradient average starts at 0 and is divided by "
       "1 - decay^t (Adam's bias correction; false: it starts at 1)"},
      {"init_var_in",
       "initial weight variance of input matrices (Table 2: 1e-1 ... 1e-4); other weight matrices, fed by n units, "
       "start at min(this, 4/n)"},
      {"init_var_rec", "initial weight variance of recurrent matrices (Table 2: 1e-1 ... 1e-4)"},
      {"incoming", "nu: random incoming recurrent connections per unit (Table 2: 15, 25, 35, 50; 0 = all)"},
      {"spectral_radius", "rho: recurrent matrices are scaled to this spectral radius (Table 2: 1.0 ... 1.2)"},
      {"bias_hidden", "initial hidden bias b_h"},
      {"bias_out", "initial output bias b_y of the Bernoulli layer (unless bias_out_from_data)"},
      {"bias_out_from_data",
       "start b_y at the logit of each key's training frequency (true) or at "
       "bias_out (false)"},
      {"batch_size", "chunks per mini-batch"},
      {"chunk_frames", "training sequences are cut into chunks of at most this many frames"},
      {"bucketing", "group chunks of similar length into batches (less padding)"},
      {"epochs", "maximum number of epochs"},
      {"patience", "stop after this many epochs without a better validation bound"},
      {"kl_warmup",
       "epochs over which the training KL weight rises linearly to 1 (0 = off); "
       "validation and everything reported use the full KL"},
      {"recoveries",
       "divergence recovery: at most this many times, when an epoch's validation objective is "
       "not finite or above the best earlier one by more than max(1 nat, 10 %) (or the training "
       "loss is not finite), restore the best parameters and optimiser state and multiply the "
       "step rate by recovery_factor (0 = off: a divergence ends the trial)"},
      {"recovery_factor", "the step rate after a divergence recovery, relative to before"},
      {"step_patience",
       "after this many epochs without a better validation bound (KL warm-up epochs not "
       "counted), restore the best parameters and optimiser state and multiply the step rate "
       "by recovery_factor; counted among recoveries (0 = off)"},
      {"seed", "trial seed: initialisation, shuffling and noise all derive from it"},
  };
  const auto it = text.find(name);
  if (it == text.end()) throw std::invalid_argument("unknown hyper-parameter '" + name + "'");
  return it->second;
}

std::string hyperparameter_range(const std::string& name) {
  // What TrainConfig::validate (and the model's and optimiser's validate) accept, field by field;
  // tests/train check every entry against from_params on both sides of each bound. Not here:
  // latent (>= 1 only for the latent-variable models).
  static const std::map<std::string, std::string> text = {
      {"hidden", ">= 1"},        {"keep_inputs", "in (0, 1]"}, {"keep_hidden", "in (0, 1]"},
      {"step_rate", "> 0"},      {"momentum", "in [0, 1)"},    {"decay", "in [0, 1)"},
      {"clip_norm", "> 0"},      {"init_var_in", "> 0"},       {"init_var_rec", "> 0"},
      {"incoming", ">= 0"},      {"spectral_radius", "> 0"},   {"bias_hidden", "finite"},
      {"bias_out", "finite"},    {"batch_size", ">= 1"},       {"chunk_frames", ">= 1"},
      {"epochs", ">= 1"},        {"patience", ">= 1"},         {"seed", ">= 0"},
      {"kl_warmup", ">= 0"},     {"recoveries", ">= 0"},       {"recovery_factor", "in (0, 1)"},
      {"step_patience", ">= 0"},
  };
  if (!fields().count(name)) throw std::invalid_argument("unknown hyper-parameter '" + name + "'");
  const auto it = text.find(name);
  return it == text.end() ? "" : it->second;
}

}  // namespace seqvi::train
