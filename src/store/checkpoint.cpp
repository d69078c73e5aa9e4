#include "seqvi/store/checkpoint.hpp"

#include "hdf5_io.hpp"
#include "provenance_io.hpp"
#include "seqvi/data/sha256.hpp"
#include "seqvi/store/atomic_file.hpp"

#include <system_error>

namespace seqvi::store {
namespace {

using detail::Checker;
using detail::H5Handle;

bool has_attribute(const Checker& c, hid_t loc, const std::string& name) {
  const htri_t exists = H5Aexists(loc, name.c_str());
  c.ok(exists, "cannot look up attribute '" + name + "'");
  return exists > 0;
}

Checker checker(const std::filesystem::path& path) {
  return Checker("checkpoint '" + path.string() + "': ", [](const std::string& what) { throw CheckpointError(what); });
}

void write_params(const Checker& c, hid_t loc, const std::string& group, const model::ParamSet<float>& p) {
  const H5Handle g = detail::create_group(c, loc, group);
  for (std::size_t i = 0; i < p.size(); ++i)
    detail::write_matrix(c, g.get(), p.name(i), p[i].data(), p[i].rows(), p[i].cols());
}

model::ParamSet<float> read_params(const Checker& c, hid_t loc, const std::string& group) {
  const H5Handle g = detail::open_group(c, loc, group);
  model::ParamSet<float> p;
  std::vector<float> data;
  for (const auto& name : detail::group_members(c, g.get())) {
    std::int64_t rows = 0, cols = 0;
    detail::read_matrix(c, g.get(), name, data, rows, cols);
    const std::size_t i = p.add(name, rows, cols);
    p[i] = Eigen::Map<const model::Mat<float>>(data.data(), rows, cols);
  }
  return p;
}

void write_hyperparameters(const Checker& c, hid_t loc, const core::Params& params) {
  const H5Handle g = detail::create_group(c, loc, "hyperparameters");
  for (const auto& [name, value] : params) {
    if (const auto* i = std::get_if<std::int64_t>(&value))
      detail::write_attribute(c, g.get(), name, *i);
    else if (const auto* d = std::get_if<double>(&value))
      detail::write_attribute(c, g.get(), name, *d);
    else if (const auto* s = std::get_if<std::string>(&value))
      detail::write_attribute(c, g.get(), name, *s);
    else
      detail::write_bool_attribute(c, g.get(), name, std::get<bool>(value));
  }
}

core::Params read_hyperparameters(const Checker& c, hid_t loc) {
  const H5Handle g = detail::open_group(c, loc, "hyperparameters");
  core::Params params;
  for (const auto& name : detail::attribute_names(c, g.get())) {
    switch (detail::attribute_kind(c, g.get(), name)) {
      case detail::AttributeKind::integer:
        params[name] = detail::read_int_attribute(c, g.get(), name);
        break;
      case detail::AttributeKind::real:
        params[name] = detail::read_double_attribute(c, g.get(), name);
        break;
      case detail::AttributeKind::string:
        params[name] = detail::read_string_attribute(c, g.get(), name);
        break;
      case detail::AttributeKind::boolean:
        params[name] = detail::read_bool_attribute(c, g.get(), name);
        break;
      case detail::AttributeKind::other:
        c.fail("hyper-parameter '" + name + "' has an unsupported type");
    }
  }
  return params;
}

void write_curve(const Checker& c, hid_t loc, const std::vector<train::EpochRecord>& curve) {
  const H5Handle g = detail::create_group(c, loc, "curve");
  std::vector<std::int64_t> epoch;
  std::vector<double> train, valid, kl, recon, wall, fps;
  std::vector<std::int64_t> active;
  std::vector<double> step_rate;
  for (const auto& r : curve) {
    epoch.push_back(r.epoch);
    step_rate.push_back(r.step_rate);
    active.push_back(r.valid_active_dims);
    train.push_back(r.train_bound);
    valid.push_back(r.valid_bound);
    kl.push_back(r.valid_kl);
    recon.push_back(r.valid_recon);
    wall.push_back(r.wall_s);
    fps.push_back(r.frames_per_s);
  }
  detail::write_vector(c, g.get(), "epoch", epoch);
  detail::write_vector(c, g.get(), "train_bound", train);
  detail::write_vector(c, g.get(), "valid_bound", valid);
  detail::write_vector(c, g.get(), "valid_kl", kl);
  detail::write_vector(c, g.get(), "valid_recon", recon);
  detail::write_vector(c, g.get(), "wall_s", wall);
  detail::write_vector(c, g.get(), "frames_per_s", fps);
  detail::write_vector(c, g.get(), "valid_active_dims", active);
  detail::write_vector(c, g.get(), "step_rate", step_rate);
}

std::vector<train::EpochRecord> read_curve(const Checker& c, hid_t loc) {
  const H5Handle g = detail::open_group(c, loc, "curve");
  const auto epoch = detail::read_int_vector(c, g.get(), "epoch");
  const auto train = detail::read_double_vector(c, g.get(), "train_bound");
  const auto valid = detail::read_double_vector(c, g.get(), "valid_bound");
  const auto kl = detail::read_double_vector(c, g.get(), "valid_kl");
  const auto recon = detail::read_double_vector(c, g.get(), "valid_recon");
  const auto wall = detail::read_double_vector(c, g.get(), "wall_s");
  const auto fps = detail::read_double_vector(c, g.get(), "frames_per_s");
  const std::size_t n = epoch.size();
  if (train.size() != n || valid.size() != n || kl.size() != n || recon.size() != n || wall.size() != n ||
      fps.size() != n)
    c.fail("the columns of '/curve' have different lengths");
  // Optional: checkpoints written before it was recorded lack it (−1 = not recorded).
  std::vector<std::int64_t> active(n, -1);
  if (detail::has_link(c, g.get(), "valid_active_dims")) {
    active = detail::read_int_vector(c, g.get(), "valid_active_dims");
    if (active.size() != n) c.fail("the columns of '/curve' have different lengths");
  }
  // Optional likewise (0 = not recorded: the configured step rate throughout).
  std::vector<double> step_rate(n, 0.0);
  if (detail::has_link(c, g.get(), "step_rate")) {
    step_rate = detail::read_double_vector(c, g.get(), "step_rate");
    if (step_rate.size() != n) c.fail("the columns of '/curve' have different lengths");
  }
  std::vector<train::EpochRecord> curve(n);
  for (std::size_t i = 0; i < n; ++i)
    curve[i] = {epoch[i], train[i], valid[i], kl[i], recon[i], wall[i], fps[i], active[i], step_rate[i]};
  return curve;
}

/// /recoveries: one row per divergence recovery (written only when there was one).
void write_recoveries(const Checker& c, hid_t loc, const std::vector<train::Recovery>& recoveries) {
  if (recoveries.empty()) return;
  const H5Handle g = detail::create_group(c, loc, "recoveries");
  std::vector<std::int64_t> epoch, batch, restored, stalled;
  std::vector<double> objective, reference, old_rate, new_rate;
  for (const auto& r : recoveries) {
    stalled.push_back(r.stalled ? 1 : 0);
    epoch.push_back(r.epoch);
    batch.push_back(r.batch);
    objective.push_back(r.objective);
    reference.push_back(r.reference);
    old_rate.push_back(r.old_step_rate);
    new_rate.push_back(r.new_step_rate);
    restored.push_back(r.restored_epoch);
  }
  detail::write_vector(c, g.get(), "epoch", epoch);
  detail::write_vector(c, g.get(), "batch", batch);
  detail::write_vector(c, g.get(), "objective", objective);
  detail::write_vector(c, g.get(), "reference", reference);
  detail::write_vector(c, g.get(), "old_step_rate", old_rate);
  detail::write_vector(c, g.get(), "new_step_rate", new_rate);
  detail::write_vector(c, g.get(), "restored_epoch", restored);
  detail::write_vector(c, g.get(), "stalled", stalled);
}

std::vector<train::Recovery> read_recoveries(const Checker& c, hid_t loc) {
  if (!detail::has_link(c, loc, "recoveries")) return {};
  const H5Handle g = detail::open_group(c, loc, "recoveries");
  const auto epoch = detail::read_int_vector(c, g.get(), "epoch");
  const auto batch = detail::read_int_vector(c, g.get(), "batch");
  const auto objective = detail::read_double_vector(c, g.get(), "objective");
  const auto reference = detail::read_double_vector(c, g.get(), "reference");
  const auto old_rate = detail::read_double_vector(c, g.get(), "old_step_rate");
  const auto new_rate = detail::read_double_vector(c, g.get(), "new_step_rate");
  const auto restored = detail::read_int_vector(c, g.get(), "restored_epoch");
  const std::size_t n = epoch.size();
  // Optional: absent in checkpoints written before the step-rate reduction on a stall (all divergences).
  const auto stalled = detail::has_link(c, g.get(), "stalled") ? detail::read_int_vector(c, g.get(), "stalled")
                                                               : std::vector<std::int64_t>(n, 0);
  if (batch.size() != n || objective.size() != n || reference.size() != n || old_rate.size() != n ||
      new_rate.size() != n || restored.size() != n || stalled.size() != n)
    c.fail("the columns of '/recoveries' have different lengths");
  std::vector<train::Recovery> out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = {epoch[i], batch[i], objective[i], reference[i], old_rate[i], new_rate[i], restored[i], stalled[i] != 0};
  return out;
}

/// /provenance: the session that started the run; /provenance/resume_<k>: the k-th that resumed it.
void write_sessions(const Checker& c, hid_t root, const std::vector<Provenance>& sessions) {
  const H5Handle g =
      detail::write_provenance(c, root, "provenance", sessions.empty() ? current_provenance() : sessions.front());
  for (std::size_t k = 1; k < sessions.size(); ++k)
    detail::write_provenance(c, g.get(), "resume_" + std::to_string(k), sessions[k]);
}

std::vector<Provenance> read_sessions(const Checker& c, hid_t root) {
  const auto origin = detail::read_provenance(c, root, "provenance");
  if (!origin) return {unknown_provenance()};  // written before provenance existed
  std::vector<Provenance> sessions{*origin};
  const H5Handle g = detail::open_group(c, root, "provenance");
  while (const auto next = detail::read_provenance(c, g.get(), "resume_" + std::to_string(sessions.size())))
    sessions.push_back(*next);
  return sessions;
}

}  // namespace

std::string params_digest(const core::Params& params) {
  std::string text;
  for (const auto& [name, value] : params)
    text += name + '\t' + std::to_string(value.index()) + '\t' + core::to_string(value) + '\n';
  return "sha256:" + data::sha256_hex(std::as_bytes(std::span(text.data(), text.size())));
}

std::string foreign_trial(const Checkpoint& checkpoint, const TrialIdentity& expected) {
  if (!checkpoint.trial || *checkpoint.trial == expected) return "";
  const auto name = [](const TrialIdentity& t) {
    return "trial " + t.id + " (seed " + std::to_string(t.seed) + ", hyper-parameters " + t.params_digest + ")";
  };
  return "belongs to " + name(*checkpoint.trial) + ", not to " + name(expected);
}

void record_session(Checkpoint& checkpoint) {
  const Provenance now = current_provenance();
  if (checkpoint.provenance.empty() || !(checkpoint.provenance.back() == now)) checkpoint.provenance.push_back(now);
}

void write_checkpoint(const Checkpoint& cp, const std::filesystem::path& path) {
  detail::silence_hdf5_errors();
  const Checker c = checker(path);
  try {
    AtomicFile file(path);
    {
      H5Handle f = c.handle(H5Fcreate(file.temp_path().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
                            "cannot create the file");
      const hid_t root = f.get();
      const auto& s = cp.state;
      detail::write_attribute(c, root, "format", std::string("seqvi-checkpoint"));
      detail::write_attribute(c, root, "format_version", kCheckpointFormatVersion);
      detail::write_attribute(c, root, "status", std::string(train::to_string(s.status)));
      detail::write_attribute(c, root, "message", s.message);
      detail::write_attribute(c, root, "dataset_name", cp.dataset_name);
      detail::write_attribute(c, root, "dataset_sha256", cp.dataset_sha256);
      detail::write_attribute(c, root, "inputs", cp.inputs);
      if (cp.trial) {
        detail::write_attribute(c, root, "trial", cp.trial->id);
        detail::write_attribute(c, root, "trial_seed", static_cast<std::int64_t>(cp.trial->seed));
        detail::write_attribute(c, root, "trial_params_digest", cp.trial->params_digest);
      }
      detail::write_attribute(c, root, "layout", std::string("row-vector: a layer computes x W + b, W is (in x out)"));
      write_hyperparameters(c, root, cp.hyperparameters);
      write_params(c, root, "params", s.params);
      write_params(c, root, "best_params", s.best_params);
      {
        const H5Handle opt = detail::create_group(c, root, "optimizer");
        write_params(c, opt.get(), "mean_square", s.optimizer.mean_square);
        write_params(c, opt.get(), "velocity", s.optimizer.velocity);
      }
      if (s.best_optimizer.mean_square.size() > 0) {  // kept only with divergence recovery
        const H5Handle opt = detail::create_group(c, root, "best_optimizer");
        write_params(c, opt.get(), "mean_square", s.best_optimizer.mean_square);
        write_params(c, opt.get(), "velocity", s.best_optimizer.velocity);
      }
      {
        const H5Handle g = detail::create_group(c, root, "progress");
        detail::write_attribute(c, g.get(), "epoch", s.epoch);
        detail::write_attribute(c, g.get(), "batch", s.batch);
        detail::write_attribute(c, g.get(), "partial_recon", s.partial_recon);
        detail::write_attribute(c, g.get(), "partial_kl", s.partial_kl);
        detail::write_attribute(c, g.get(), "partial_frames", s.partial_frames);
        detail::write_attribute(c, g.get(), "partial_seconds", s.partial_seconds);
        detail::write_attribute(c, g.get(), "best_valid", s.best_valid);
        detail::write_attribute(c, g.get(), "best_epoch", s.best_epoch);
        detail::write_attribute(c, g.get(), "bad_epochs", s.bad_epochs);
        detail::write_attribute(c, g.get(), "step_rate", s.step_rate);
        detail::write_attribute(c, g.get(), "initial_recon", s.initial_recon);
        detail::write_attribute(c, g.get(), "initial_kl", s.initial_kl);
      }
      write_curve(c, root, s.curve);
      write_recoveries(c, root, s.recoveries);
      write_sessions(c, root, cp.provenance);
      c.ok(f.close() < 0 ? -1 : 0, "cannot close the file");
    }
    file.commit();
  } catch (const std::system_error& e) {
    throw CheckpointError("checkpoint '" + path.string() + "': " + e.what());
  }
}

Checkpoint read_checkpoint(const std::filesystem::path& path) {
  detail::silence_hdf5_errors();
  const Checker c = checker(path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) c.fail("no such file");
  const H5Handle f =
      c.handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "cannot open the file as HDF5");
  const hid_t root = f.get();
  if (detail::read_string_attribute(c, root, "format") != "seqvi-checkpoint") c.fail("is not a seqvi checkpoint");
  const auto version = detail::read_int_attribute(c, root, "format_version");
  if (version != kCheckpointFormatVersion)
    c.fail("has format version " + std::to_string(version) + "; this seqvi reads version " +
           std::to_string(kCheckpointFormatVersion));
  Checkpoint cp;
  auto& s = cp.state;
  try {
    s.status = train::parse_trial_status(detail::read_string_attribute(c, root, "status"));
  } catch (const std::invalid_argument& e) {
    c.fail(e.what());
  }
  s.message = detail::read_string_attribute(c, root, "message");
  cp.dataset_name = detail::read_string_attribute(c, root, "dataset_name");
  cp.dataset_sha256 = detail::read_string_attribute(c, root, "dataset_sha256");
  {
    const htri_t has_inputs = H5Aexists(root, "inputs");
    c.ok(has_inputs, "cannot look up attribute 'inputs'");
    if (has_inputs > 0) {
      cp.inputs = detail::read_int_attribute(c, root, "inputs");
      if (cp.inputs < 1) c.fail("attribute 'inputs' is " + std::to_string(cp.inputs) + ", must be >= 1");
    }
  }
  {
    const htri_t has_trial = H5Aexists(root, "trial");
    c.ok(has_trial, "cannot look up attribute 'trial'");
    if (has_trial > 0) {  // then all three: one missing is damage
      TrialIdentity t;
      t.id = detail::read_string_attribute(c, root, "trial");
      t.seed = static_cast<std::uint64_t>(detail::read_int_attribute(c, root, "trial_seed"));
      t.params_digest = detail::read_string_attribute(c, root, "trial_params_digest");
      cp.trial = std::move(t);
    }
  }
  cp.hyperparameters = read_hyperparameters(c, root);
  s.params = read_params(c, root, "params");
  s.best_params = read_params(c, root, "best_params");
  {
    const H5Handle opt = detail::open_group(c, root, "optimizer");
    s.optimizer.mean_square = read_params(c, opt.get(), "mean_square");
    s.optimizer.velocity = read_params(c, opt.get(), "velocity");
  }
  if (detail::has_link(c, root, "best_optimizer")) {  // optional: kept only with divergence recovery
    const H5Handle opt = detail::open_group(c, root, "best_optimizer");
    s.best_optimizer.mean_square = read_params(c, opt.get(), "mean_square");
    s.best_optimizer.velocity = read_params(c, opt.get(), "velocity");
  }
  {
    const H5Handle g = detail::open_group(c, root, "progress");
    s.epoch = detail::read_int_attribute(c, g.get(), "epoch");
    s.batch = detail::read_int_attribute(c, g.get(), "batch");
    s.partial_recon = detail::read_double_attribute(c, g.get(), "partial_recon");
    s.partial_kl = detail::read_double_attribute(c, g.get(), "partial_kl");
    s.partial_frames = detail::read_int_attribute(c, g.get(), "partial_frames");
    s.partial_seconds = detail::read_double_attribute(c, g.get(), "partial_seconds");
    s.best_valid = detail::read_double_attribute(c, g.get(), "best_valid");
    s.best_epoch = detail::read_int_attribute(c, g.get(), "best_epoch");
    s.bad_epochs = detail::read_int_attribute(c, g.get(), "bad_epochs");
    // Optional: absent in checkpoints written before divergence recovery (0 / NaN: the configured
    // step rate, initial bound not evaluated).
    if (has_attribute(c, g.get(), "step_rate")) s.step_rate = detail::read_double_attribute(c, g.get(), "step_rate");
    if (has_attribute(c, g.get(), "initial_recon"))
      s.initial_recon = detail::read_double_attribute(c, g.get(), "initial_recon");
    if (has_attribute(c, g.get(), "initial_kl")) s.initial_kl = detail::read_double_attribute(c, g.get(), "initial_kl");
  }
  s.curve = read_curve(c, root);
  s.recoveries = read_recoveries(c, root);
  cp.provenance = read_sessions(c, root);
  return cp;
}

void require_same_dataset(const Checkpoint& checkpoint, const std::filesystem::path& checkpoint_path,
                          const data::Dataset& dataset, const std::filesystem::path& dataset_path) {
  if (checkpoint.dataset_sha256 != dataset.source_sha256)
    throw CheckpointError(checkpoint_path.string() + " was trained on '" + checkpoint.dataset_name + "', not on " +
                          dataset_path.string() + " ('" + dataset.name + "')");
}

}  // namespace seqvi::store
