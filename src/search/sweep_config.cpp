#include "seqvi/search/sweep_config.hpp"

#include "seqvi/search/grid_sampler.hpp"

#include "seqvi/search/toml_value.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace seqvi::search {
namespace {

[[noreturn]] void fail(const std::string& origin, const std::string& what) {
  throw std::invalid_argument(origin + ": " + what);
}

std::string where(const toml::node& n) {
  const auto& src = n.source();
  return "line " + std::to_string(src.begin.line);
}

/// The kind of value a hyper-parameter takes, from the default space.
enum class Kind { integer, real, string, boolean };
Kind kind_of(const Value& v) {
  if (std::holds_alternative<std::int64_t>(v)) return Kind::integer;
  if (std::holds_alternative<double>(v)) return Kind::real;
  if (std::holds_alternative<std::string>(v)) return Kind::string;
  return Kind::boolean;
}
/// A value of the type the distribution's draws have.
Value like_of(const Distribution& d) {
  if (const auto* f = std::get_if<Fixed>(&d)) return f->value;
  if (const auto* c = std::get_if<Categorical>(&d)) return c->choices.front();
  if (std::holds_alternative<IntUniform>(d)) return std::int64_t{0};
  return 0.0;
}

Value scalar(const toml::node& n, const Value& like, const std::string& key, const std::string& origin) {
  if (auto v = toml_value_like(n, like)) return *v;
  fail(origin, where(n) + ": space." + key + " must be " + core::type_description(like));
}

std::pair<double, double> bounds(const toml::node& n, const std::string& key, const std::string& form,
                                 const std::string& origin) {
  const auto* arr = n.as_array();
  if (!arr || arr->size() != 2 || !(*arr)[0].is_number() || !(*arr)[1].is_number())
    fail(origin, where(n) + ": space." + key + "." + form + " must be [low, high]");
  return {(*arr)[0].value<double>().value(), (*arr)[1].value<double>().value()};
}

Distribution distribution(const toml::node& n, const Distribution& fallback, const std::string& key,
                          const std::string& origin) {
  const Value like = like_of(fallback);
  const Kind want = kind_of(like);
  if (const auto* arr = n.as_array()) {
    Categorical c;
    for (const auto& item : *arr) c.choices.push_back(scalar(item, like, key, origin));
    if (c.choices.empty()) fail(origin, where(n) + ": space." + key + " is an empty list of choices");
    return c;
  }
  if (const auto* tbl = n.as_table()) {
    if (tbl->size() != 1)
      fail(origin, where(n) + ": space." + key +
                       " must be one of { uniform = [lo, hi] }, { log_uniform = [lo, hi] }, "
                       "{ int_uniform = [lo, hi] }");
    // toml++'s iterator owns the (key, node) proxy it hands out: keep it alive while using them.
    const auto first = tbl->begin();
    const std::string form(first->first.str());
    const toml::node& value = first->second;
    if (form == "int_uniform") {
      if (want != Kind::integer)
        fail(origin, where(n) + ": space." + key + " is not an integer; int_uniform does not apply");
      const auto [lo, hi] = bounds(value, key, form, origin);
      return IntUniform{static_cast<std::int64_t>(lo), static_cast<std::int64_t>(hi)};
    }
    if (want != Kind::real)
      fail(origin,
           where(n) + ": space." + key + " takes " + core::type_description(like) + "; " + form + " gives numbers");
    const auto [lo, hi] = bounds(value, key, form, origin);
    if (form == "uniform") return Uniform{lo, hi};
    if (form == "log_uniform") return LogUniform{lo, hi};
    fail(origin,
         where(n) + ": space." + key + ": unknown distribution '" + form + "' (uniform, log_uniform, int_uniform)");
  }
  return Fixed{scalar(n, like, key, origin)};
}

std::vector<std::string> strings(const toml::node& n, const std::string& key, const std::string& origin) {
  const auto* arr = n.as_array();
  if (!arr) fail(origin, where(n) + ": " + key + " must be a list of strings");
  std::vector<std::string> out;
  for (const auto& item : *arr) {
    auto s = item.value_exact<std::string>();
    if (!s) fail(origin, where(item) + ": " + key + " must be a list of strings");
    out.push_back(*s);
  }
  if (out.empty()) fail(origin, where(n) + ": " + key + " is empty");
  return out;
}

std::int64_t integer(const toml::node& n, const std::string& key, std::int64_t min, const std::string& origin) {
  auto v = n.value_exact<std::int64_t>();
  if (!v) fail(origin, where(n) + ": " + key + " must be an integer");
  if (*v < min)
    fail(origin, where(n) + ": " + key + " is " + std::to_string(*v) + ", must be ≥ " + std::to_string(min));
  return *v;
}

void only_keys(const toml::table& t, const std::set<std::string>& allowed, const std::string& section,
               const std::string& origin) {
  for (const auto& [k, v] : t) {
    if (!allowed.count(std::string(k.str()))) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      fail(origin, where(v) + ": unknown key '" + section + std::string(k.str()) + "' (known: " + list + ")");
    }
  }
}

}  // namespace

SweepConfig parse_sweep_config(const std::string& toml_text, const std::string& origin) {
  toml::table root;
  try {
    root = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    fail(origin, "line " + std::to_string(b.line) + ", column " + std::to_string(b.column) + ": " +
                     std::string(e.description()));
  }
  only_keys(root, {"sweep", "datasets", "space", "pruner"}, "", origin);
  SweepConfig cfg;
  if (const auto* sweep = root["sweep"].as_table()) {
    only_keys(*sweep, {"seed", "datasets", "models", "samples", "sampler", "max_attempts"}, "sweep.", origin);
    if (const auto* n = sweep->get("seed")) cfg.seed = static_cast<std::uint64_t>(integer(*n, "sweep.seed", 0, origin));
    if (const auto* n = sweep->get("datasets")) cfg.datasets = strings(*n, "sweep.datasets", origin);
    if (const auto* n = sweep->get("models")) {
      cfg.models = strings(*n, "sweep.models", origin);
      for (const auto& m : cfg.models)
        if (m != "vrae" && m != "vosp" && m != "rnn" && m != "fdrnn")
          fail(origin, where(*n) + ": sweep.models has '" + m + "', must be vrae, vosp, rnn or fdrnn");
    }
    if (const auto* n = sweep->get("samples")) {
      cfg.samples = integer(*n, "sweep.samples", 1, origin);
      // Checked before anything is sampled or written: a typo (6400000 for 64) must not take the machine down.
      const auto per_sample = static_cast<std::int64_t>(std::max<std::size_t>(cfg.datasets.size(), 1) *
                                                        std::max<std::size_t>(cfg.models.size(), 1));
      if (cfg.samples > kMaxSweepTrials / per_sample)
        fail(origin, where(*n) + ": sweep.samples is " + std::to_string(cfg.samples) + ", must be ≤ " +
                         std::to_string(kMaxSweepTrials / per_sample) + " (" + std::to_string(per_sample) +
                         " (dataset, model) pairs × samples ≤ " + std::to_string(kMaxSweepTrials) +
                         " trials per sweep)");
    }
    if (const auto* n = sweep->get("sampler")) {
      auto kind = n->value_exact<std::string>();
      if (!kind || (*kind != "random" && *kind != "grid"))
        fail(origin, where(*n) + ": sweep.sampler must be \"random\" or \"grid\"");
      cfg.sampler = *kind;
    }
    if (const auto* n = sweep->get("max_attempts")) cfg.max_attempts = integer(*n, "sweep.max_attempts", 1, origin);
  } else if (root.contains("sweep")) {
    fail(origin, "[sweep] must be a table");
  }
  if (const auto* files = root["datasets"].as_table()) {
    for (const auto& [k, v] : *files) {
      auto path = v.value_exact<std::string>();
      if (!path) fail(origin, where(v) + ": datasets." + std::string(k.str()) + " must be a file path (string)");
      cfg.dataset_files[std::string(k.str())] = *path;
    }
  }
  Space overrides;  // what [space] sets: a grid varies these alone
  if (const auto* space = root["space"].as_table()) {
    const Space defaults = default_space();
    std::set<std::string> known;
    for (const auto& [name, d] : defaults) known.insert(name);
    only_keys(*space, known, "space.", origin);
    for (const auto& [k, v] : *space) {
      const std::string key(k.str());
      cfg.space[key] = distribution(v, defaults.at(key), key, origin);
      overrides[key] = cfg.space[key];
    }
  }
  if (const auto* pruner = root["pruner"].as_table()) {
    only_keys(*pruner, {"kind", "min_epochs", "reduction_factor"}, "pruner.", origin);
    if (const auto* n = pruner->get("kind")) {
      auto kind = n->value_exact<std::string>();
      if (!kind || (*kind != "none" && *kind != "asha"))
        fail(origin, where(*n) + ": pruner.kind must be \"none\" or \"asha\"");
      cfg.pruner.kind = *kind;
    }
    if (const auto* n = pruner->get("min_epochs")) cfg.pruner.min_epochs = integer(*n, "pruner.min_epochs", 1, origin);
    if (const auto* n = pruner->get("reduction_factor"))
      cfg.pruner.reduction_factor = integer(*n, "pruner.reduction_factor", 2, origin);
  }
  try {
    validate(cfg.space);
  } catch (const std::invalid_argument& e) {
    fail(origin, std::string("[space] ") + e.what());
  }
  if (cfg.sampler == "grid") {
    // A grid spans the lists [space] gives; every other hyper-parameter keeps the trainer's default
    // (`seqvi train --help`), not Table 2's list, which would multiply the grid beyond any budget.
    cfg.space = overrides;
    const auto pairs = static_cast<std::int64_t>(std::max<std::size_t>(cfg.datasets.size(), 1) *
                                                 std::max<std::size_t>(cfg.models.size(), 1));
    std::int64_t points = 0;
    try {
      points = grid_size(cfg.space, kMaxSweepTrials);
    } catch (const std::invalid_argument& e) {
      fail(origin, std::string("[space] with sampler = \"grid\": ") + e.what());
    }
    const auto* sweep = root["sweep"].as_table();
    const auto* n = sweep ? sweep->get("samples") : nullptr;
    if (!n) {
      // Not given: one trial per grid point (within the sweep's limit).
      if (points > kMaxSweepTrials / pairs)
        fail(origin, "the grid has " + std::to_string(points) + " points per (dataset, model), must be ≤ " +
                         std::to_string(kMaxSweepTrials / pairs));
      cfg.samples = points;
    } else if (cfg.samples % points != 0) {
      fail(origin, where(*n) + ": sweep.samples is " + std::to_string(cfg.samples) + ", must be a multiple of the " +
                       std::to_string(points) + " grid points (each multiple trains the grid with other seeds)");
    }
  }
  return cfg;
}

TrialSpec sweep_trial(const SweepConfig& config, const std::string& dataset, const std::string& model,
                      std::int64_t index) {
  if (config.sampler == "grid") return grid_trial(config.space, config.seed, dataset, model, index);
  return sample_trial(config.space, config.seed, dataset, model, index);
}

SweepConfig read_sweep_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(path + ": cannot open the sweep configuration");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_sweep_config(text.str(), path);
}

}  // namespace seqvi::search
