// Roll files in HDF5 (include/seqvi/store/roll_file.hpp).
#include "seqvi/store/roll_file.hpp"

#include "hdf5_io.hpp"
#include "seqvi/store/atomic_file.hpp"

#include <set>
#include <system_error>

namespace seqvi::store {
namespace {

using detail::Checker;
using detail::H5Handle;

Checker checker(const std::filesystem::path& path) {
  return Checker("roll file '" + path.string() + "': ", [](const std::string& what) { throw RollFileError(what); });
}

void check_name(const Checker& c, const std::string& what, const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    c.fail(what + " name '" + name + "' must be non-empty and contain no '/'");
}

const std::set<std::string>& reserved() {
  static const std::set<std::string> names{"format", "format_version", "kind"};
  return names;
}

}  // namespace

const RollRecord& RollFile::record(const std::string& name) const {
  std::string names;
  for (const RollRecord& r : records) {
    if (r.name == name) return r;
    names += (names.empty() ? "" : ", ") + r.name;
  }
  throw RollFileError("no record '" + name + "' (there are: " + (names.empty() ? "none" : names) + ")");
}

void write_roll_file(const RollFile& file, const std::filesystem::path& path) {
  detail::silence_hdf5_errors();
  const Checker c = checker(path);
  for (const auto& [key, value] : file.text)
    if (reserved().count(key) != 0) c.fail("attribute name '" + key + "' is reserved");
  try {
    AtomicFile atomic(path);
    {
      H5Handle f = c.handle(H5Fcreate(atomic.temp_path().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
                            "cannot create the file");
      const hid_t root = f.get();
      detail::write_attribute(c, root, "format", std::string(kRollFileFormat));
      detail::write_attribute(c, root, "format_version", kRollFileFormatVersion);
      detail::write_attribute(c, root, "kind", file.kind);
      for (const auto& [key, value] : file.text) detail::write_attribute(c, root, key, value);
      for (const auto& [key, value] : file.numbers) {
        if (reserved().count(key) != 0 || file.text.count(key) != 0) c.fail("attribute name '" + key + "' is taken");
        detail::write_attribute(c, root, key, value);
      }
      for (const RollRecord& r : file.records) {
        check_name(c, "record", r.name);
        const H5Handle g = detail::create_group(c, root, r.name);
        for (const auto& [key, value] : r.numbers) detail::write_attribute(c, g.get(), key, value);
        for (const auto& [name, roll] : r.rolls) {
          check_name(c, "roll", name);
          detail::write_matrix(c, g.get(), name, roll.data(), roll.rows(), roll.cols());
        }
      }
      c.ok(f.close() < 0 ? -1 : 0, "cannot close the file");
    }
    atomic.commit();
  } catch (const std::system_error& e) {
    throw RollFileError("roll file '" + path.string() + "': " + e.what());
  }
}

RollFile read_roll_file(const std::filesystem::path& path) {
  detail::silence_hdf5_errors();
  const Checker c = checker(path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) c.fail("no such file");
  const H5Handle f =
      c.handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "cannot open the file as HDF5");
  const hid_t root = f.get();
  if (!H5Aexists(root, "format") || detail::read_string_attribute(c, root, "format") != kRollFileFormat)
    c.fail("is not a seqvi roll file (format attribute is not '" + std::string(kRollFileFormat) + "')");
  const std::int64_t version = detail::read_int_attribute(c, root, "format_version");
  if (version != kRollFileFormatVersion)
    c.fail("format_version is " + std::to_string(version) + ", this seqvi reads " +
           std::to_string(kRollFileFormatVersion));
  RollFile file;
  file.kind = detail::read_string_attribute(c, root, "kind");
  for (const std::string& key : detail::attribute_names(c, root)) {
    if (reserved().count(key) != 0) continue;
    switch (detail::attribute_kind(c, root, key)) {
      case detail::AttributeKind::string:
        file.text[key] = detail::read_string_attribute(c, root, key);
        break;
      case detail::AttributeKind::real:
        file.numbers[key] = detail::read_double_attribute(c, root, key);
        break;
      case detail::AttributeKind::integer:
        file.numbers[key] = static_cast<double>(detail::read_int_attribute(c, root, key));
        break;
      default:
        c.fail("root attribute '" + key + "' has an unsupported type");
    }
  }
  std::vector<float> data;
  const H5Handle top = detail::open_group(c, root, "/");  // the root group (records in name order)
  for (const std::string& name : detail::group_members(c, top.get())) {
    RollRecord r;
    r.name = name;
    const H5Handle g = detail::open_group(c, root, name);
    for (const std::string& key : detail::attribute_names(c, g.get()))
      r.numbers[key] = detail::read_double_attribute(c, g.get(), key);
    for (const std::string& roll : detail::group_members(c, g.get())) {
      std::int64_t rows = 0, cols = 0;
      detail::read_matrix(c, g.get(), roll, data, rows, cols);
      model::Mat<float> m(rows, cols);
      if (rows * cols > 0) m = Eigen::Map<const model::Mat<float>>(data.data(), rows, cols);
      r.rolls.emplace_back(roll, std::move(m));
    }
    file.records.push_back(std::move(r));
  }
  return file;
}

}  // namespace seqvi::store
