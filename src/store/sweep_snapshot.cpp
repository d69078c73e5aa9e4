#include "sweep_snapshot.hpp"

#include "hdf5_io.hpp"
#include "provenance_io.hpp"
#include "seqvi/store/sweep_store.hpp"
#include "trial_codec.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <system_error>
#include <type_traits>
#include <unordered_map>

#include <zlib.h>

namespace seqvi::store::detail {

using search::FieldKind;

void TableDigest::add_bytes(const void* data, std::size_t n) {
  const auto* p = static_cast<const Bytef*>(data);
  while (n > 0) {  // zlib takes uInt lengths
    const uInt chunk = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
    crc_ = ::crc32(crc_, p, chunk);
    p += chunk;
    n -= chunk;
    bytes_ += chunk;
  }
}

void TableDigest::append(const TableDigest& next) {
  crc_ = ::crc32_combine64(crc_, next.crc_, static_cast<z_off64_t>(next.bytes_));
  bytes_ += next.bytes_;
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

/// Version 2 appends `datasets` (version 1 files have none).
std::string header_digest(const SweepSnapshot& s, std::int64_t count, std::int64_t version) {
  TableDigest d;
  d.add(s.created);
  d.add(s.config_text);
  d.add(static_cast<std::uint64_t>(s.generation));
  d.add(static_cast<std::uint64_t>(s.sequence));
  d.add(static_cast<std::uint64_t>(count));
  if (version >= 2) d.add(s.datasets);
  return d.text();
}

Checker checker(const std::filesystem::path& path) {
  return Checker("sweep '" + path.string() + "': ", [](const std::string& what) { throw SweepStoreError(what); });
}

/// For reading: what does not read as it should is damage (SweepFileDamaged).
Checker read_checker(const std::filesystem::path& path) {
  return Checker("sweep '" + path.string() + "': ", [](const std::string& what) { throw SweepFileDamaged(what); });
}

H5Handle utf8_string_type(const Checker& c) {
  H5Handle type = c.handle(H5Tcopy(H5T_C_S1), H5Tclose, "cannot make a string type");
  c.ok(H5Tset_size(type.get(), H5T_VARIABLE), "cannot make a string type");
  c.ok(H5Tset_cset(type.get(), H5T_CSET_UTF8), "cannot make a string type");
  return type;
}

/// A column's values into its digest (the same bytes whether written or read back).
void digest_values(TableDigest& d, const std::vector<std::string>& v) {
  for (const auto& s : v) d.add(s);
}
void digest_values(TableDigest& d, const std::vector<std::int64_t>& v) {
  for (auto x : v) d.add(static_cast<std::uint64_t>(x));
}
void digest_values(TableDigest& d, const std::vector<std::uint64_t>& v) {
  for (auto x : v) d.add(x);
}
void digest_values(TableDigest& d, const std::vector<double>& v) {
  for (auto x : v) d.add(std::bit_cast<std::uint64_t>(x));
}

template <class T>
struct ColumnType;
template <>
struct ColumnType<std::int64_t> {
  static hid_t file() { return H5T_STD_I64LE; }
  static hid_t memory() { return H5T_NATIVE_INT64; }
};
template <>
struct ColumnType<std::uint64_t> {
  static hid_t file() { return H5T_STD_U64LE; }
  static hid_t memory() { return H5T_NATIVE_UINT64; }
};
template <>
struct ColumnType<double> {
  static hid_t file() { return H5T_IEEE_F64LE; }
  static hid_t memory() { return H5T_NATIVE_DOUBLE; }
};

/// The selection of rows [offset, offset + count) of a 1-D dataset, and a memory space of count.
struct Slab {
  H5Handle file_space;
  H5Handle memory_space;
};
Slab slab(const Checker& c, hid_t dataset, hsize_t offset, hsize_t count, const std::string& name) {
  Slab sl{c.handle(H5Dget_space(dataset), H5Sclose, "cannot read the shape of '/trials/" + name + "'"),
          c.handle(H5Screate_simple(1, &count, nullptr), H5Sclose, "cannot make a dataspace")};
  c.ok(H5Sselect_hyperslab(sl.file_space.get(), H5S_SELECT_SET, &offset, nullptr, &count, nullptr),
       "cannot select rows of '/trials/" + name + "'");
  return sl;
}

/// One column of sweep.h5 being written in row blocks, with its digest (name, then values).
class ColumnWriter {
 public:
  ColumnWriter(const Checker& c, hid_t group, std::string name, hid_t file_type, hsize_t rows, hid_t memory_type)
      : c_(c), name_(std::move(name)), memory_type_(memory_type), dataset_(create(c, group, name_, file_type, rows)) {
    digest_.add(name_);
  }
  template <class T>
  void write(const std::vector<T>& block) {
    digest_values(digest_, block);
    if (block.empty()) return;
    const Slab sl = slab(c_, dataset_.get(), written_, block.size(), name_);
    if constexpr (std::is_same_v<T, std::string>) {
      std::vector<const char*> pointers;
      pointers.reserve(block.size());
      for (const auto& s : block) pointers.push_back(s.c_str());
      c_.ok(H5Dwrite(dataset_.get(), memory_type_, sl.memory_space.get(), sl.file_space.get(), H5P_DEFAULT,
                     pointers.data()),
            "cannot write '/trials/" + name_ + "'");
    } else {
      c_.ok(
          H5Dwrite(dataset_.get(), memory_type_, sl.memory_space.get(), sl.file_space.get(), H5P_DEFAULT, block.data()),
          "cannot write '/trials/" + name_ + "'");
    }
    written_ += block.size();
  }
  const TableDigest& digest() const { return digest_; }

 private:
  static H5Handle create(const Checker& c, hid_t group, const std::string& name, hid_t file_type, hsize_t rows) {
    const H5Handle space = c.handle(H5Screate_simple(1, &rows, nullptr), H5Sclose, "cannot make a dataspace");
    return c.handle(H5Dcreate2(group, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                    H5Dclose, "cannot create '" + name + "'");
  }
  const Checker& c_;
  std::string name_;
  hid_t memory_type_;
  H5Handle dataset_;
  TableDigest digest_;
  hsize_t written_ = 0;
};

/// One column of sweep.h5 being read in row blocks, with its digest.
class ColumnReader {
 public:
  /// `rows`: the rows it must have.
  ColumnReader(const Checker& c, hid_t group, std::string name, std::size_t rows)
      : c_(c), name_(std::move(name)), dataset_(open(c, group, name_)) {
    const std::size_t n = length();
    if (n != rows)
      c.fail("'/trials/" + name_ + "' has " + std::to_string(n) + " rows, expected " + std::to_string(rows));
    digest_.add(name_);
  }
  /// Any length (valid_curve); length() tells it.
  ColumnReader(const Checker& c, hid_t group, std::string name)
      : c_(c), name_(std::move(name)), dataset_(open(c, group, name_)) {
    if (length() > (std::size_t{1} << 30)) c.fail("'/trials/" + name_ + "' is implausibly large");
    digest_.add(name_);
  }
  std::size_t length() const {
    const H5Handle space =
        c_.handle(H5Dget_space(dataset_.get()), H5Sclose, "cannot read the shape of '/trials/" + name_ + "'");
    if (H5Sget_simple_extent_ndims(space.get()) != 1) c_.fail("'/trials/" + name_ + "' is not 1-D");
    hsize_t dims[1] = {0};
    H5Sget_simple_extent_dims(space.get(), dims, nullptr);
    return static_cast<std::size_t>(dims[0]);
  }
  /// The next `count` values (in order), into the digest too.
  template <class T>
  std::vector<T> read(std::size_t count) {
    std::vector<T> v;
    if (count == 0) return v;
    const Slab sl = slab(c_, dataset_.get(), read_, count, name_);
    if constexpr (std::is_same_v<T, std::string>) {
      const H5Handle file_type =
          c_.handle(H5Dget_type(dataset_.get()), H5Tclose, "cannot read the type of '" + name_ + "'");
      if (H5Tget_class(file_type.get()) != H5T_STRING || H5Tis_variable_str(file_type.get()) <= 0)
        c_.fail("'/trials/" + name_ + "' is not a variable-length string column");
      const H5Handle type = utf8_string_type(c_);
      std::vector<char*> pointers(count, nullptr);
      c_.ok(
          H5Dread(dataset_.get(), type.get(), sl.memory_space.get(), sl.file_space.get(), H5P_DEFAULT, pointers.data()),
          "cannot read '/trials/" + name_ + "'");
      v.reserve(count);
      for (char* p : pointers) {
        v.emplace_back(p != nullptr ? p : "");
        H5free_memory(p);
      }
    } else {
      v.resize(count);
      c_.ok(H5Dread(dataset_.get(), ColumnType<T>::memory(), sl.memory_space.get(), sl.file_space.get(), H5P_DEFAULT,
                    v.data()),
            "cannot read '/trials/" + name_ + "'");
    }
    read_ += count;
    digest_values(digest_, v);
    return v;
  }
  const TableDigest& digest() const { return digest_; }

 private:
  static H5Handle open(const Checker& c, hid_t group, const std::string& name) {
    if (!has_link(c, group, name)) c.fail("lacks the column '/trials/" + name + "'");
    return c.handle(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, "cannot open '/trials/" + name + "'");
  }
  const Checker& c_;
  std::string name_;
  H5Handle dataset_;
  TableDigest digest_;
  hsize_t read_ = 0;
};

/// The params column's text of a table's rows: params_to_text of the row's hyper-parameters, built
/// from one cached `"name":value` piece per distinct value (a JSON object's members in name order,
/// joined by commas — the same text, without expanding a map per row).
class ParamsText {
 public:
  ParamsText(const Checker& c, std::size_t columns) : c_(c), pieces_(columns) {}
  std::string of(const search::TrialTable& t, std::size_t i) {
    std::string text = "{";
    t.for_each_param(i, [&](std::size_t column, std::uint32_t code, const std::string& name, const core::Value& value) {
      auto& pieces = pieces_[column];
      if (pieces.size() <= code) pieces.resize(code + 1);
      std::string& piece = pieces[code];
      if (piece.empty()) {
        try {
          const std::string member = params_to_text(core::Params{{name, value}});  // {"name":value}
          piece = member.substr(1, member.size() - 2);
        } catch (const CodecError& e) {
          c_.fail("trial '" + t.id(i) + "': " + e.what());
        }
      }
      if (text.size() > 1) text += ',';
      text += piece;
    });
    return text + "}";
  }

 private:
  const Checker& c_;
  std::vector<std::vector<std::string>> pieces_;  ///< [column][code]
};

/// Hyper-parameters from the params column's text: each member's text is parsed once and cached
/// (a sweep's values repeat), the rest is a split at the object's top-level commas. Anything that
/// does not split cleanly is parsed whole, so errors are params_from_text's.
class ParamsParser {
 public:
  core::Params parse(const std::string& text) {
    if (text.size() < 2 || text.front() != '{' || text.back() != '}') return params_from_text(text);
    core::Params out;
    if (text.find_first_not_of(" \t\r\n", 1) == text.size() - 1) return params_from_text(text);  // {}
    std::size_t start = 1;
    bool in_string = false;
    for (std::size_t k = 1; k < text.size(); ++k) {
      const char ch = text[k];
      if (in_string) {
        if (ch == '\\')
          ++k;
        else if (ch == '"')
          in_string = false;
        continue;
      }
      if (ch == '"')
        in_string = true;
      else if (ch == '{' || ch == '[')
        return params_from_text(text);  // nested: not a params object
      else if (ch == ',' || k == text.size() - 1) {
        const auto member = member_of(text.substr(start, k - start));
        if (!member) return params_from_text(text);
        out[member->first] = member->second;  // a repeated name: the last one, as a JSON parser keeps it
        start = k + 1;
      }
    }
    if (start != text.size()) return params_from_text(text);  // an unterminated string: not JSON
    return out;
  }

 private:
  const std::pair<std::string, core::Value>* member_of(const std::string& piece) {
    const auto it = cache_.find(piece);
    if (it != cache_.end()) return &it->second;
    core::Params one;
    try {
      one = params_from_text("{" + piece + "}");
    } catch (const CodecError&) {
      return nullptr;
    }
    if (one.size() != 1) return nullptr;
    return &cache_.emplace(piece, *one.begin()).first->second;
  }
  std::unordered_map<std::string, std::pair<std::string, core::Value>> cache_;
};

}  // namespace

void write_sweep_snapshot(const std::filesystem::path& path, const SweepSnapshot& s, Overwrite overwrite) {
  silence_hdf5_errors();
  const Checker c = checker(path);
  const search::TrialTable& t = s.trials;
  const std::size_t n = t.size();
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
      write_attribute(c, root, "datasets", s.datasets);
      if (s.provenance) write_provenance(c, root, "provenance", *s.provenance);
      TableDigest digest;
      {
        const H5Handle g = create_group(c, root, "trials");
        const H5Handle string_type = utf8_string_type(c);
        // The columns: the derived id, then search::kTrialFields in its order (docs/sweep-store.md);
        // the digest joins theirs in this order. A curve field is two columns: its values, every
        // row's concatenated, then `<name>_offsets` (n + 1).
        std::vector<ColumnWriter> w;
        w.reserve(1 + search::kTrialFieldCount + search::trial_table_layout::kCurves);
        const auto strings = [&](const std::string& name) {
          w.emplace_back(c, g.get(), name, string_type.get(), n, string_type.get());
        };
        const auto numbers = [&]<class T>(const std::string& name, T, hsize_t rows) {
          w.emplace_back(c, g.get(), name, ColumnType<T>::file(), rows, ColumnType<T>::memory());
        };
        strings("id");
        search::for_each_trial_field_index([&](auto index) {
          constexpr std::size_t I = decltype(index)::value;
          constexpr auto& field = search::trial_field<I>();
          using enum FieldKind;
          if constexpr (field.kind == text || field.kind == state || field.kind == params) {
            strings(field.name);
          } else if constexpr (field.kind == int64 || field.kind == int32) {
            numbers(field.name, std::int64_t{}, n);
          } else if constexpr (field.kind == uint64) {
            numbers(field.name, std::uint64_t{}, n);
          } else if constexpr (field.kind == float64) {
            numbers(field.name, double{}, n);
          } else {
            static_assert(field.kind == curve);
            std::size_t values = 0;
            for (std::size_t i = 0; i < n; ++i) values += t.get<I>(i).size();
            numbers(field.name, double{}, values);
            numbers(std::string(field.name) + "_offsets", std::int64_t{}, n + 1);
          }
        });
        ParamsText params_text(c, t.param_columns());
        std::array<std::int64_t, search::trial_table_layout::kCurves> offsets{};  ///< each curve's next offset
        for (std::size_t b = 0; b < n; b += kSnapshotBlockRows) {
          const std::size_t e = std::min(n, b + kSnapshotBlockRows);
          std::size_t column = 0;
          const auto write = [&]<class T>(std::vector<T> block) { w[column++].write(block); };
          std::vector<std::string> ids;
          for (std::size_t i = b; i < e; ++i) ids.push_back(stored_string(t.id(i)));
          write(std::move(ids));
          search::for_each_trial_field_index([&](auto index) {
            constexpr std::size_t I = decltype(index)::value;
            constexpr auto& field = search::trial_field<I>();
            using enum FieldKind;
            if constexpr (field.kind == text || field.kind == state || field.kind == params) {
              std::vector<std::string> block;
              for (std::size_t i = b; i < e; ++i) {
                if constexpr (field.kind == text)
                  block.push_back(stored_string(t.get<I>(i)));
                else if constexpr (field.kind == state)
                  block.push_back(search::to_string(t.get<I>(i)));
                else
                  block.push_back(params_text.of(t, i));
              }
              write(std::move(block));
            } else if constexpr (field.kind == curve) {
              std::int64_t& offset = offsets[search::trial_table_layout::slot<I>];
              std::vector<double> values;
              std::vector<std::int64_t> starts;
              for (std::size_t i = b; i < e; ++i) {
                const std::vector<double>& v = t.get<I>(i);
                starts.push_back(offset);
                values.insert(values.end(), v.begin(), v.end());
                offset += static_cast<std::int64_t>(v.size());
              }
              write(std::move(values));
              write(std::move(starts));
            } else {
              using Stored = std::conditional_t<field.kind == uint64, std::uint64_t,
                                                std::conditional_t<field.kind == float64, double, std::int64_t>>;
              std::vector<Stored> block;
              for (std::size_t i = b; i < e; ++i) block.push_back(static_cast<Stored>(t.get<I>(i)));
              write(std::move(block));
            }
          });
        }
        std::size_t column = 1;  // each curve's offsets end with its total
        search::for_each_trial_field_index([&](auto index) {
          constexpr std::size_t I = decltype(index)::value;
          if constexpr (search::trial_field<I>().kind == FieldKind::curve) {
            w[column + 1].write(std::vector<std::int64_t>{offsets[search::trial_table_layout::slot<I>]});
            column += 2;
          } else {
            column += 1;
          }
        });
        for (const auto& column : w) digest.append(column.digest());
      }
      write_attribute(c, root, "header_digest", header_digest(s, static_cast<std::int64_t>(n), kSweepFormatVersion));
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
  if (version != 1 && version != kSweepFormatVersion)  // another seqvi's file, not damage
    throw SweepStoreError("sweep '" + path.string() + "': has format version " + std::to_string(version) +
                          "; this seqvi reads versions 1 to " + std::to_string(kSweepFormatVersion));
  SweepSnapshot s;
  s.format_version = version;
  // Version 2 records the datasets (required: a missing attribute is damage); version 1 did not.
  if (version >= 2 && H5Aexists(root, "datasets") <= 0)
    throw SweepSnapshotDamaged("sweep '" + path.string() +
                                   "': its dataset record (attribute 'datasets', always "
                                   "written by format version 2) is missing: the file is damaged",
                               false);
  if (version >= 2) s.datasets = read_string_attribute(c, root, "datasets");
  s.created = read_string_attribute(c, root, "created");
  s.config_text = read_string_attribute(c, root, "config");
  s.generation = read_int_attribute(c, root, "journal_generation");
  s.sequence = read_int_attribute(c, root, "journal_sequence");
  count = read_int_attribute(c, root, "trial_count");
  // Sweeps written before the digests existed have neither attribute: read unchecked. Version 2
  // always writes both: a missing one is damage (e.g. a flipped bit in its name).
  if (version >= 2 && H5Aexists(root, "header_digest") <= 0)
    throw SweepSnapshotDamaged("sweep '" + path.string() +
                                   "': its header checksum (attribute 'header_digest', "
                                   "always written by format version 2) is missing: the file is damaged",
                               false);
  s.provenance = read_provenance(c, root, "provenance");
  if (H5Aexists(root, "header_digest") > 0) {
    const std::string stored = read_string_attribute(c, root, "header_digest");
    const std::string computed = header_digest(s, count, version);
    if (stored != computed)
      throw SweepSnapshotDamaged("sweep '" + path.string() +
                                     "': its header (configuration, generation, trial "
                                     "count, datasets) does not match its checksum (header_digest " +
                                     stored + ", computed " + computed + "): the file is damaged",
                                 false);
  }
  if (H5Aexists(root, "table_digest") > 0) table_digest = read_string_attribute(c, root, "table_digest");
  if (count < 0 || count > (std::int64_t{1} << 30)) c.fail("attribute 'trial_count' is " + std::to_string(count));
  return s;
}

/// sweep.h5 opened for reading. @throws SweepStoreError if there is no such file
H5Handle open_for_reading(const Checker& c, const std::filesystem::path& path) {
  silence_hdf5_errors();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw SweepStoreError("sweep '" + path.string() + "': no such file (not a sweep directory?)");
  return c.handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "cannot open the file as HDF5");
}

}  // namespace

SweepSnapshot read_sweep_header(const std::filesystem::path& path, std::int64_t& trial_count) {
  const Checker c = read_checker(path);
  const H5Handle f = open_for_reading(c, path);
  std::optional<std::string> table_digest;
  return read_header(c, path, f.get(), trial_count, table_digest);
}

SweepSnapshot read_sweep_snapshot(const std::filesystem::path& path) {
  const Checker c = read_checker(path);
  const H5Handle f = open_for_reading(c, path);
  const hid_t root = f.get();
  std::int64_t count = 0;
  std::optional<std::string> stored_digest;
  SweepSnapshot s = read_header(c, path, root, count, stored_digest);
  const auto n = static_cast<std::size_t>(count);
  const H5Handle g = open_group(c, root, "trials");
  const hid_t t = g.get();
  // The columns as written (the id, then search::kTrialFields in order). A field added after the
  // table's first revision (since > 1) may be missing from an older file: it then reads as its
  // `absent` value, and the digest covers the columns present.
  std::vector<ColumnReader> r;
  r.reserve(1 + search::kTrialFieldCount + search::trial_table_layout::kCurves);
  r.emplace_back(c, t, "id", n);
  std::array<int, search::kTrialFieldCount> column{};  ///< each field's (first) reader in r; −1: absent
  /// A curve field: its offsets (n + 1 integers, read first: each block of rows then reads its
  /// stretch of the values), whether they span the values in increasing order, how many values.
  struct Curve {
    std::vector<std::int64_t> offsets;
    std::size_t values = 0;
    bool ok = false;
  };
  std::array<Curve, search::trial_table_layout::kCurves> curves;
  search::for_each_trial_field_index([&](auto index) {
    constexpr std::size_t I = decltype(index)::value;
    constexpr auto& field = search::trial_field<I>();
    if (field.since > 1 && !has_link(c, t, field.name)) {
      column[I] = -1;
      return;
    }
    column[I] = static_cast<int>(r.size());
    if constexpr (field.kind == FieldKind::curve) {
      Curve& curve = curves[search::trial_table_layout::slot<I>];
      r.emplace_back(c, t, field.name);  // any length
      curve.values = r.back().length();
      r.emplace_back(c, t, std::string(field.name) + "_offsets", n + 1);
      curve.offsets = r.back().read<std::int64_t>(n + 1);
      curve.ok = curve.offsets[0] == 0 && curve.offsets[n] == static_cast<std::int64_t>(curve.values);
      for (std::size_t i = 0; curve.ok && i < n; ++i) curve.ok = curve.offsets[i] <= curve.offsets[i + 1];
    } else {
      r.emplace_back(c, t, field.name, n);
    }
  });
  std::vector<std::string> bad_rows;  ///< reported after the digest check (damage is named as such first)
  s.trials.reserve(n);
  ParamsParser params_parser;
  for (std::size_t b = 0; b < n; b += kSnapshotBlockRows) {
    const std::size_t m = std::min(n, b + kSnapshotBlockRows) - b;
    const auto ids = r[0].read<std::string>(m);
    std::vector<search::TrialRecord> rows(m);
    std::vector<std::string> problems(m);  ///< each row's first problem
    search::for_each_trial_field_index([&](auto index) {
      constexpr std::size_t I = decltype(index)::value;
      constexpr auto& field = search::trial_field<I>();
      using enum FieldKind;
      if (column[I] < 0) {  // a scalar (trial_fields_are_well_formed): the value of older records
        if constexpr (search::is_scalar(field.kind))
          for (auto& rec : rows) field.of(rec) = field.absent;
        return;
      }
      ColumnReader& reader = r[static_cast<std::size_t>(column[I])];
      if constexpr (field.kind == text) {
        auto values = reader.read<std::string>(m);
        for (std::size_t k = 0; k < m; ++k) field.of(rows[k]) = std::move(values[k]);
      } else if constexpr (field.kind == state || field.kind == params) {
        const auto texts = reader.read<std::string>(m);
        for (std::size_t k = 0; k < m; ++k) {
          try {
            if constexpr (field.kind == state)
              field.of(rows[k]) = search::parse_trial_state(texts[k]);
            else
              field.of(rows[k]) = params_parser.parse(texts[k]);
          } catch (const std::exception& e) {
            if (problems[k].empty()) problems[k] = e.what();
          }
        }
      } else if constexpr (field.kind == curve) {
        const Curve& curve = curves[search::trial_table_layout::slot<I>];
        if (!curve.ok) return;
        const std::int64_t from = curve.offsets[b];
        const auto values = reader.read<double>(static_cast<std::size_t>(curve.offsets[b + m] - from));
        for (std::size_t k = 0; k < m; ++k)
          field.of(rows[k]).assign(values.begin() + (curve.offsets[b + k] - from),
                                   values.begin() + (curve.offsets[b + k + 1] - from));
      } else {
        using Value = typename std::remove_cvref_t<decltype(field)>::Value;
        using Stored = std::conditional_t<field.kind == uint64, std::uint64_t,
                                          std::conditional_t<field.kind == float64, double, std::int64_t>>;
        const auto values = reader.read<Stored>(m);
        for (std::size_t k = 0; k < m; ++k) field.of(rows[k]) = static_cast<Value>(values[k]);
      }
    });
    for (std::size_t k = 0; k < m; ++k) {
      search::TrialRecord& rec = rows[k];
      if (s.format_version == 1) rec.spec.seed >>= 1;  // version 1: the 64-bit draw
      const std::string row = "row " + std::to_string(b + k) + " ('" + ids[k] + "'): ";
      if (bad_rows.empty() && !problems[k].empty()) bad_rows.push_back(row + problems[k]);
      if (bad_rows.empty() && rec.id() != ids[k])
        bad_rows.push_back(row + "dataset, model and index name '" + rec.id() + "'");
      s.trials.push_back(rec);
    }
  }
  // The values of a curve whose offsets are unusable, for the digest.
  search::for_each_trial_field_index([&](auto index) {
    constexpr std::size_t I = decltype(index)::value;
    if constexpr (search::trial_field<I>().kind == FieldKind::curve) {
      const Curve& curve = curves[search::trial_table_layout::slot<I>];
      if (!curve.ok) (void)r[static_cast<std::size_t>(column[I])].read<double>(curve.values);
    }
  });
  if (!stored_digest && s.format_version >= 2)
    throw SweepSnapshotDamaged("sweep '" + path.string() +
                                   "': its trial table's checksum (attribute 'table_digest', "
                                   "always written by format version 2) is missing: the file is damaged",
                               true);
  if (stored_digest) {
    TableDigest d;
    for (const auto& column : r) d.append(column.digest());
    if (d.text() != *stored_digest)
      throw SweepSnapshotDamaged("sweep '" + path.string() +
                                     "': its trial table does not match its checksum "
                                     "(table_digest " +
                                     *stored_digest + ", computed " + d.text() + "): the file is damaged",
                                 true);
  }
  search::for_each_trial_field_index([&](auto index) {
    constexpr std::size_t I = decltype(index)::value;
    constexpr auto& field = search::trial_field<I>();
    if constexpr (field.kind == FieldKind::curve) {
      const Curve& curve = curves[search::trial_table_layout::slot<I>];
      if (!curve.ok)
        c.fail("'/trials/" + std::string(field.name) + "_offsets' does not span '/trials/" + field.name + "' (" +
               std::to_string(curve.values) + " values) in increasing order");
    }
  });
  if (!bad_rows.empty()) c.fail(bad_rows.front());
  return s;
}

}  // namespace seqvi::store::detail
