#include "sweep_snapshot.hpp"

#include "hdf5_io.hpp"
#include "seqvi/store/sweep_store.hpp"
#include "trial_codec.hpp"

#include <system_error>

namespace seqvi::store::detail {
namespace {

Checker checker(const std::filesystem::path& path) {
  return Checker("sweep '" + path.string() + "': ", [](const std::string& what) { throw SweepStoreError(what); });
}

H5Handle utf8_string_type(const Checker& c) {
  H5Handle type = c.handle(H5Tcopy(H5T_C_S1), H5Tclose, "cannot make a string type");
  c.ok(H5Tset_size(type.get(), H5T_VARIABLE), "cannot make a string type");
  c.ok(H5Tset_cset(type.get(), H5T_CSET_UTF8), "cannot make a string type");
  return type;
}

H5Handle create_column(const Checker& c, hid_t loc, const std::string& name, hid_t file_type, std::size_t n) {
  const hsize_t dims[1] = {n};
  const H5Handle space = c.handle(H5Screate_simple(1, dims, nullptr), H5Sclose, "cannot make a dataspace");
  return c.handle(H5Dcreate2(loc, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  H5Dclose, "cannot create '" + name + "'");
}

void write_strings(const Checker& c, hid_t loc, const std::string& name, const std::vector<std::string>& v) {
  const H5Handle type = utf8_string_type(c);
  const H5Handle d = create_column(c, loc, name, type.get(), v.size());
  std::vector<const char*> pointers;
  pointers.reserve(v.size());
  for (const auto& s : v) pointers.push_back(s.c_str());
  if (!v.empty())
    c.ok(H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()), "cannot write '" + name + "'");
}

void write_u64s(const Checker& c, hid_t loc, const std::string& name, const std::vector<std::uint64_t>& v) {
  const H5Handle d = create_column(c, loc, name, H5T_STD_U64LE, v.size());
  if (!v.empty())
    c.ok(H5Dwrite(d.get(), H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), "cannot write '" + name + "'");
}

H5Handle open_column(const Checker& c, hid_t loc, const std::string& name, std::size_t n) {
  if (!has_link(c, loc, name)) c.fail("lacks the column '/trials/" + name + "'");
  H5Handle d = c.handle(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), H5Dclose, "cannot open '/trials/" + name + "'");
  const H5Handle space = c.handle(H5Dget_space(d.get()), H5Sclose, "cannot read the shape of '/trials/" + name + "'");
  hsize_t dims[1] = {0};
  if (H5Sget_simple_extent_ndims(space.get()) != 1) c.fail("'/trials/" + name + "' is not 1-D");
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  if (dims[0] != n)
    c.fail("'/trials/" + name + "' has " + std::to_string(dims[0]) + " rows, expected " + std::to_string(n));
  return d;
}

std::vector<std::string> read_strings(const Checker& c, hid_t loc, const std::string& name, std::size_t n) {
  const H5Handle d = open_column(c, loc, name, n);
  const H5Handle file_type = c.handle(H5Dget_type(d.get()), H5Tclose, "cannot read the type of '" + name + "'");
  if (H5Tget_class(file_type.get()) != H5T_STRING || H5Tis_variable_str(file_type.get()) <= 0)
    c.fail("'/trials/" + name + "' is not a variable-length string column");
  const H5Handle type = utf8_string_type(c);
  std::vector<char*> pointers(n, nullptr);
  if (n > 0)
    c.ok(H5Dread(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()), "cannot read '/trials/" + name + "'");
  std::vector<std::string> v;
  v.reserve(n);
  for (char* p : pointers) {
    v.emplace_back(p != nullptr ? p : "");
    H5free_memory(p);
  }
  return v;
}

std::vector<std::uint64_t> read_u64s(const Checker& c, hid_t loc, const std::string& name, std::size_t n) {
  const H5Handle d = open_column(c, loc, name, n);
  std::vector<std::uint64_t> v(n);
  if (n > 0)
    c.ok(H5Dread(d.get(), H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), "cannot read '/trials/" + name + "'");
  return v;
}

std::vector<std::int64_t> read_ints(const Checker& c, hid_t loc, const std::string& name, std::size_t n) {
  auto v = read_int_vector(c, loc, name);
  if (v.size() != n)
    c.fail("'/trials/" + name + "' has " + std::to_string(v.size()) + " rows, expected " + std::to_string(n));
  return v;
}

std::vector<double> read_doubles(const Checker& c, hid_t loc, const std::string& name, std::size_t n) {
  auto v = read_double_vector(c, loc, name);
  if (v.size() != n)
    c.fail("'/trials/" + name + "' has " + std::to_string(v.size()) + " rows, expected " + std::to_string(n));
  return v;
}

}  // namespace

void write_sweep_snapshot(const std::filesystem::path& path, const SweepSnapshot& s, Overwrite overwrite) {
  silence_hdf5_errors();
  const Checker c = checker(path);
  const std::size_t n = s.trials.size();
  std::vector<std::string> id, dataset, model, state, message, params;
  std::vector<std::int64_t> index, epochs, best_epoch, rank, attempts, crashes, offsets{0};
  std::vector<std::uint64_t> seed;
  std::vector<double> best_valid, wall_s, curve;
  for (auto* v : {&id, &dataset, &model, &state, &message, &params}) v->reserve(n);
  for (const auto& r : s.trials) {
    id.push_back(stored_string(r.id()));
    dataset.push_back(stored_string(r.spec.dataset));
    model.push_back(stored_string(r.spec.model));
    index.push_back(r.spec.index);
    seed.push_back(r.spec.seed);
    try {
      params.push_back(params_to_text(r.spec.params));
    } catch (const CodecError& e) {
      c.fail("trial '" + r.id() + "': " + e.what());
    }
    state.push_back(search::to_string(r.state));
    epochs.push_back(r.epochs);
    best_valid.push_back(r.best_valid);
    best_epoch.push_back(r.best_epoch);
    wall_s.push_back(r.wall_s);
    rank.push_back(r.rank);
    attempts.push_back(r.attempts);
    crashes.push_back(r.crashes);
    message.push_back(stored_string(r.message));
    curve.insert(curve.end(), r.valid_curve.begin(), r.valid_curve.end());
    offsets.push_back(static_cast<std::int64_t>(curve.size()));
  }
  try {
    AtomicFile file(path);
    {
      H5Handle f = c.handle(H5Fcreate(file.temp_path().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
                            "cannot create the file");
      const hid_t root = f.get();
      write_attribute(c, root, "format", std::string("seqvi-sweep"));
      write_attribute(c, root, "format_version", kSweepFormatVersion);
      write_attribute(c, root, "created", s.created);
      write_attribute(c, root, "config", s.config_text);
      write_attribute(c, root, "journal_generation", s.generation);
      write_attribute(c, root, "journal_sequence", s.sequence);
      write_attribute(c, root, "trial_count", static_cast<std::int64_t>(n));
      {
        const H5Handle g = create_group(c, root, "trials");
        write_strings(c, g.get(), "id", id);
        write_strings(c, g.get(), "dataset", dataset);
        write_strings(c, g.get(), "model", model);
        write_vector(c, g.get(), "index", index);
        write_u64s(c, g.get(), "seed", seed);
        write_strings(c, g.get(), "params", params);
        write_strings(c, g.get(), "state", state);
        write_vector(c, g.get(), "epochs", epochs);
        write_vector(c, g.get(), "best_valid", best_valid);
        write_vector(c, g.get(), "best_epoch", best_epoch);
        write_vector(c, g.get(), "wall_s", wall_s);
        write_vector(c, g.get(), "rank", rank);
        write_vector(c, g.get(), "attempts", attempts);
        write_vector(c, g.get(), "crashes", crashes);
        write_strings(c, g.get(), "message", message);
        write_vector(c, g.get(), "valid_curve", curve);
        write_vector(c, g.get(), "valid_curve_offsets", offsets);
      }
      c.ok(f.close() < 0 ? -1 : 0, "cannot close the file");
    }
    file.commit(overwrite);
  } catch (const std::system_error& e) {
    throw SweepStoreError("sweep '" + path.string() + "': " + e.what());
  }
}

SweepSnapshot read_sweep_snapshot(const std::filesystem::path& path) {
  silence_hdf5_errors();
  const Checker c = checker(path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) c.fail("no such file (not a sweep directory?)");
  const H5Handle f = c.handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "cannot open the file as HDF5");
  const hid_t root = f.get();
  if (read_string_attribute(c, root, "format") != "seqvi-sweep")
    c.fail("is not a seqvi sweep file (attribute 'format' is not \"seqvi-sweep\")");
  const std::int64_t version = read_int_attribute(c, root, "format_version");
  if (version != kSweepFormatVersion)
    c.fail("has format version " + std::to_string(version) + "; this seqvi reads version " +
           std::to_string(kSweepFormatVersion));
  SweepSnapshot s;
  s.created = read_string_attribute(c, root, "created");
  s.config_text = read_string_attribute(c, root, "config");
  s.generation = read_int_attribute(c, root, "journal_generation");
  s.sequence = read_int_attribute(c, root, "journal_sequence");
  const std::int64_t count = read_int_attribute(c, root, "trial_count");
  if (count < 0 || count > (std::int64_t{1} << 30)) c.fail("attribute 'trial_count' is " + std::to_string(count));
  const auto n = static_cast<std::size_t>(count);
  const H5Handle g = open_group(c, root, "trials");
  const hid_t t = g.get();
  const auto id = read_strings(c, t, "id", n);
  const auto dataset = read_strings(c, t, "dataset", n);
  const auto model = read_strings(c, t, "model", n);
  const auto index = read_ints(c, t, "index", n);
  const auto seed = read_u64s(c, t, "seed", n);
  const auto params = read_strings(c, t, "params", n);
  const auto state = read_strings(c, t, "state", n);
  const auto epochs = read_ints(c, t, "epochs", n);
  const auto best_valid = read_doubles(c, t, "best_valid", n);
  const auto best_epoch = read_ints(c, t, "best_epoch", n);
  const auto wall_s = read_doubles(c, t, "wall_s", n);
  const auto rank = read_ints(c, t, "rank", n);
  const auto attempts = read_ints(c, t, "attempts", n);
  const auto crashes = read_ints(c, t, "crashes", n);
  const auto message = read_strings(c, t, "message", n);
  const auto curve = read_double_vector(c, t, "valid_curve");
  const auto offsets = read_ints(c, t, "valid_curve_offsets", n + 1);
  if (offsets[0] != 0 || offsets[n] != static_cast<std::int64_t>(curve.size()))
    c.fail("'/trials/valid_curve_offsets' does not span '/trials/valid_curve' (" + std::to_string(curve.size()) +
           " values)");
  s.trials.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& r = s.trials[i];
    const std::string row = "row " + std::to_string(i) + " ('" + id[i] + "'): ";
    r.spec.dataset = dataset[i];
    r.spec.model = model[i];
    r.spec.index = index[i];
    r.spec.seed = seed[i];
    try {
      r.spec.params = params_from_text(params[i]);
      r.state = search::parse_trial_state(state[i]);
    } catch (const std::exception& e) {
      c.fail(row + e.what());
    }
    if (r.id() != id[i]) c.fail(row + "dataset, model and index name '" + r.id() + "'");
    r.epochs = epochs[i];
    r.best_valid = best_valid[i];
    r.best_epoch = best_epoch[i];
    r.wall_s = wall_s[i];
    r.rank = static_cast<int>(rank[i]);
    r.attempts = attempts[i];
    r.crashes = crashes[i];
    r.message = message[i];
    if (offsets[i + 1] < offsets[i] || offsets[i + 1] > offsets[n]) c.fail(row + "curve offsets are not increasing");
    r.valid_curve.assign(curve.begin() + offsets[i], curve.begin() + offsets[i + 1]);
  }
  return s;
}

}  // namespace seqvi::store::detail
