#include "sweep_snapshot.hpp"

#include "hdf5_io.hpp"
#include "seqvi/store/sweep_store.hpp"
#include "trial_codec.hpp"

#include <algorithm>
#include <bit>
#include <optional>
#include <type_traits>
#include <cstdio>
#include <cstring>
#include <limits>
#include <system_error>

#include <zlib.h>

namespace seqvi::store::detail {

void TableDigest::add_bytes(const void* data, std::size_t n) {
  const auto* p = static_cast<const Bytef*>(data);
  while (n > 0) {  // zlib takes uInt lengths
    const uInt chunk = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
    crc_ = ::crc32(crc_, p, chunk);
    p += chunk;
    n -= chunk;
  }
}

void TableDigest::add(std::uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));  // little-endian
  add_bytes(b, 8);
}

void TableDigest::add(const std::string& s) {
  add(static_cast<std::uint64_t>(s.size()));
  add_bytes(s.data(), s.size());
}

std::string TableDigest::text() const {
  char out[32];
  std::snprintf(out, sizeof out, "crc32:%08lx", static_cast<unsigned long>(crc_ & 0xffffffffUL));
  return out;
}

namespace {

/// A column's name and values into `d` (the same bytes whether written or read back).
void digest_column(TableDigest& d, const std::string& name, const std::vector<std::string>& v) {
  d.add(name);
  for (const auto& s : v) d.add(s);
}
void digest_column(TableDigest& d, const std::string& name, const std::vector<std::int64_t>& v) {
  d.add(name);
  for (auto x : v) d.add(static_cast<std::uint64_t>(x));
}
void digest_column(TableDigest& d, const std::string& name, const std::vector<std::uint64_t>& v) {
  d.add(name);
  for (auto x : v) d.add(x);
}
void digest_column(TableDigest& d, const std::string& name, const std::vector<double>& v) {
  d.add(name);
  for (auto x : v) d.add(std::bit_cast<std::uint64_t>(x));
}

std::string header_digest(const SweepSnapshot& s, std::int64_t count) {
  TableDigest d;
  d.add(s.created);
  d.add(s.config_text);
  d.add(static_cast<std::uint64_t>(s.generation));
  d.add(static_cast<std::uint64_t>(s.sequence));
  d.add(static_cast<std::uint64_t>(count));
  return d.text();
}

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
  std::vector<std::int64_t> index, epochs, best_epoch, rank, attempts, crashes, epochs_at_start, offsets{0};
  std::vector<std::uint64_t> seed;
  std::vector<std::int64_t> active_dims;
  std::vector<double> best_valid, wall_s, curve, valid_kl;
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
    epochs_at_start.push_back(r.epochs_at_start);
    message.push_back(stored_string(r.message));
    valid_kl.push_back(r.valid_kl);
    active_dims.push_back(r.active_dims);
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
      TableDigest digest;
      {
        const H5Handle g = create_group(c, root, "trials");
        // Every column goes through `column`, so that the digest covers exactly what is written.
        const auto column = [&](const std::string& name, const auto& v) {
          digest_column(digest, name, v);
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::vector<std::string>>) write_strings(c, g.get(), name, v);
          else if constexpr (std::is_same_v<V, std::vector<std::uint64_t>>) write_u64s(c, g.get(), name, v);
          else write_vector(c, g.get(), name, v);
        };
        column("id", id);
        column("dataset", dataset);
        column("model", model);
        column("index", index);
        column("seed", seed);
        column("params", params);
        column("state", state);
        column("epochs", epochs);
        column("best_valid", best_valid);
        column("best_epoch", best_epoch);
        column("wall_s", wall_s);
        column("rank", rank);
        column("attempts", attempts);
        column("crashes", crashes);
        column("epochs_at_start", epochs_at_start);
        column("message", message);
        column("valid_curve", curve);
        column("valid_curve_offsets", offsets);
        column("valid_kl", valid_kl);
        column("active_dims", active_dims);
      }
      write_attribute(c, root, "header_digest", header_digest(s, static_cast<std::int64_t>(n)));
      write_attribute(c, root, "table_digest", digest.text());
      c.ok(f.close() < 0 ? -1 : 0, "cannot close the file");
    }
    file.commit(overwrite);
  } catch (const std::system_error& e) {
    throw SweepStoreError("sweep '" + path.string() + "': " + e.what());
  }
}

namespace {

/// The root attributes; `count` gets trial_count. Checks header_digest when the file has one.
SweepSnapshot read_header(const Checker& c, const std::filesystem::path& path, hid_t root, std::int64_t& count,
                          std::optional<std::string>& table_digest) {
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
  count = read_int_attribute(c, root, "trial_count");
  // Sweeps written before the digests existed have neither attribute: read unchecked.
  if (H5Aexists(root, "header_digest") > 0) {
    const std::string stored = read_string_attribute(c, root, "header_digest");
    const std::string computed = header_digest(s, count);
    if (stored != computed)
      throw SweepSnapshotDamaged("sweep '" + path.string() + "': its header (configuration, generation, trial "
                                 "count) does not match its checksum (header_digest " + stored + ", computed " +
                                 computed + "): the file is damaged", false);
  }
  if (H5Aexists(root, "table_digest") > 0) table_digest = read_string_attribute(c, root, "table_digest");
  if (count < 0 || count > (std::int64_t{1} << 30)) c.fail("attribute 'trial_count' is " + std::to_string(count));
  return s;
}

}  // namespace

SweepSnapshot read_sweep_header(const std::filesystem::path& path, std::int64_t& trial_count) {
  silence_hdf5_errors();
  const Checker c = checker(path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) c.fail("no such file (not a sweep directory?)");
  const H5Handle f = c.handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "cannot open the file as HDF5");
  std::optional<std::string> table_digest;
  return read_header(c, path, f.get(), trial_count, table_digest);
}

SweepSnapshot read_sweep_snapshot(const std::filesystem::path& path) {
  silence_hdf5_errors();
  const Checker c = checker(path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) c.fail("no such file (not a sweep directory?)");
  const H5Handle f = c.handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "cannot open the file as HDF5");
  const hid_t root = f.get();
  std::int64_t count = 0;
  std::optional<std::string> stored_digest;
  SweepSnapshot s = read_header(c, path, root, count, stored_digest);
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
  // Absent in sweeps written before it existed: zeros.
  const auto epochs_at_start =
      has_link(c, t, "epochs_at_start") ? read_ints(c, t, "epochs_at_start", n) : std::vector<std::int64_t>(n, 0);
  const auto message = read_strings(c, t, "message", n);
  const auto curve = read_double_vector(c, t, "valid_curve");
  const auto offsets = read_ints(c, t, "valid_curve_offsets", n + 1);
  // Absent in sweeps written before the table held them: unknown (NaN, −1).
  const bool has_kl = has_link(c, t, "valid_kl"), has_active = has_link(c, t, "active_dims");
  const auto valid_kl = has_kl ? read_doubles(c, t, "valid_kl", n)
                               : std::vector<double>(n, std::numeric_limits<double>::quiet_NaN());
  const auto active_dims = has_active ? read_ints(c, t, "active_dims", n) : std::vector<std::int64_t>(n, -1);
  if (stored_digest) {
    TableDigest d;
    digest_column(d, "id", id);
    digest_column(d, "dataset", dataset);
    digest_column(d, "model", model);
    digest_column(d, "index", index);
    digest_column(d, "seed", seed);
    digest_column(d, "params", params);
    digest_column(d, "state", state);
    digest_column(d, "epochs", epochs);
    digest_column(d, "best_valid", best_valid);
    digest_column(d, "best_epoch", best_epoch);
    digest_column(d, "wall_s", wall_s);
    digest_column(d, "rank", rank);
    digest_column(d, "attempts", attempts);
    digest_column(d, "crashes", crashes);
    if (has_link(c, t, "epochs_at_start")) digest_column(d, "epochs_at_start", epochs_at_start);
    digest_column(d, "message", message);
    digest_column(d, "valid_curve", curve);
    digest_column(d, "valid_curve_offsets", offsets);
    if (has_kl) digest_column(d, "valid_kl", valid_kl);
    if (has_active) digest_column(d, "active_dims", active_dims);
    if (d.text() != *stored_digest)
      throw SweepSnapshotDamaged("sweep '" + path.string() + "': its trial table does not match its checksum "
                                 "(table_digest " + *stored_digest + ", computed " + d.text() +
                                 "): the file is damaged", true);
  }
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
    r.epochs_at_start = epochs_at_start[i];
    r.message = message[i];
    r.valid_kl = valid_kl[i];
    r.active_dims = active_dims[i];
    if (offsets[i + 1] < offsets[i] || offsets[i + 1] > offsets[n]) c.fail(row + "curve offsets are not increasing");
    r.valid_curve.assign(curve.begin() + offsets[i], curve.begin() + offsets[i + 1]);
  }
  return s;
}

}  // namespace seqvi::store::detail
