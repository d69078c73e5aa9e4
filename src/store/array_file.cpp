// Arrays input files (include/seqvi/store/array_file.hpp).
#include "seqvi/store/array_file.hpp"

#include "hdf5_io.hpp"
#include "seqvi/data/pickle_reader.hpp"
#include "seqvi/data/sha256.hpp"
#include "seqvi/store/dataset_file.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace seqvi::store {
namespace {

using detail::Checker;
using detail::H5Handle;
constexpr const char* kSplitNames[] = {"train", "valid", "test"};

std::string fmt_value(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", v);
  return text;
}

/// One sequence: a 2-D dataset of 0/1 values, read as bytes.
std::vector<std::uint8_t> read_sequence(const Checker& c, hid_t group, const std::string& at, const std::string& name,
                                        const ArrayImportOptions& options, hsize_t& frames, hsize_t& width) {
  const std::string full = at + "/" + name;
  H5O_info_t info{};
  c.ok(H5Oget_info_by_name2(group, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT), "cannot look at '" + full + "'");
  if (info.type != H5O_TYPE_DATASET) c.fail("'" + full + "' is not a dataset (a split holds one dataset per sequence)");
  const H5Handle set = c.handle(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, "cannot open '" + full + "'");
  const H5Handle space = c.handle(H5Dget_space(set.get()), H5Sclose, "cannot read the shape of '" + full + "'");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank != 2) c.fail("'" + full + "' has " + std::to_string(rank) + " dimensions, must have 2 (frames × columns)");
  hsize_t dims[2] = {0, 0};
  c.ok(H5Sget_simple_extent_dims(space.get(), dims, nullptr), "cannot read the shape of '" + full + "'");
  frames = dims[0];
  width = dims[1];
  if (frames == 0) c.fail("'" + full + "' has no frames");
  if (width == 0 || width > static_cast<hsize_t>(kMaxDatasetWidth))
    c.fail("'" + full + "' has " + std::to_string(width) + " columns, must have 1.." +
           std::to_string(kMaxDatasetWidth));
  if (frames > static_cast<hsize_t>(options.max_frames))
    c.fail("'" + full + "' has " + std::to_string(frames) + " frames, more than --max-frames " +
           std::to_string(options.max_frames));
  if (frames * width > static_cast<hsize_t>(kMaxDatasetCells)) c.fail("'" + full + "' is too large");
  const H5Handle type = c.handle(H5Dget_type(set.get()), H5Tclose, "cannot read the type of '" + full + "'");
  const H5T_class_t cls = H5Tget_class(type.get());
  const std::size_t n = static_cast<std::size_t>(frames * width);
  std::vector<double> values(n, 0.0);
  if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
    c.ok(H5Dread(set.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
         "cannot read '" + full + "'");
  } else if (cls == H5T_ENUM && H5Tget_size(type.get()) == 1) {  // numpy bool as h5py writes it
    const H5Handle native =
        c.handle(H5Tget_native_type(type.get(), H5T_DIR_ASCEND), H5Tclose, "cannot read the type of '" + full + "'");
    std::vector<std::int8_t> raw(n, 0);
    c.ok(H5Dread(set.get(), native.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()), "cannot read '" + full + "'");
    for (std::size_t i = 0; i < n; ++i) values[i] = raw[i];
  } else {
    c.fail("'" + full + "' holds neither integers, floats nor booleans");
  }
  std::vector<std::uint8_t> bytes(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const double v = values[i];
    if (v != 0.0 && v != 1.0)
      c.fail("'" + full + "' holds " + (std::isnan(v) ? std::string("nan") : fmt_value(v)) + " at frame " +
             std::to_string(i / width) + ", column " + std::to_string(i % width) + "; only 0 and 1 are allowed");
    bytes[i] = v != 0.0 ? 1 : 0;
  }
  return bytes;
}

/// The `source` attribute of a dataset, if it has a string one.
std::string source_attribute(const Checker& c, hid_t group, const std::string& name) {
  const htri_t has = H5Aexists_by_name(group, name.c_str(), "source", H5P_DEFAULT);
  if (has <= 0) return "";
  const H5Handle set = c.handle(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, "cannot open '" + name + "'");
  return detail::read_string_attribute(c, set.get(), "source");
}

}  // namespace

bool is_hdf5_file(const std::filesystem::path& path) {
  detail::silence_hdf5_errors();
  std::error_code error;
  return std::filesystem::is_regular_file(path, error) && H5Fis_hdf5(path.c_str()) > 0;
}

data::Dataset read_array_file(const std::filesystem::path& path, const ArrayImportOptions& options) {
  detail::silence_hdf5_errors();
  const std::string file_name = path.filename().string();
  const Checker c("arrays file '" + path.string() + "': ",
                  [](const std::string& what) { throw DatasetFileError(what); });
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) c.fail("does not exist or is not a regular file");
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 <= 0) c.fail(is_hdf5 < 0 ? "cannot be opened" : "is not an HDF5 file");
  data::Dataset dataset;
  {
    const H5Handle file =
        c.handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "cannot be opened as HDF5 (damaged?)");
    const htri_t has_format = H5Aexists(file.get(), "format");
    c.ok(has_format, "cannot look up attribute 'format'");
    if (has_format == 0) c.fail(std::string("lacks the root attribute 'format' (\"") + kArraysFormat + "\")");
    const std::string format = detail::read_string_attribute(c, file.get(), "format");
    if (format != kArraysFormat) c.fail("format attribute is '" + format + "', expected '" + kArraysFormat + "'");
    const std::int64_t version = detail::read_int_attribute(c, file.get(), "format_version");
    if (version != kArraysFormatVersion)
      c.fail("format_version is " + std::to_string(version) + ", this seqvi reads version " +
             std::to_string(kArraysFormatVersion));
    std::string name = options.name;
    if (name.empty() && H5Aexists(file.get(), "name") > 0) name = detail::read_string_attribute(c, file.get(), "name");
    if (name.empty()) name = path.stem().string();
    dataset.name = name;

    hsize_t width = 0;
    std::string width_from;
    for (const char* split_name : kSplitNames) {
      const std::string at = std::string("/") + split_name;
      if (!detail::has_link(c, file.get(), split_name)) c.fail("lacks the group '" + at + "'");
      const H5Handle group = detail::open_group(c, file.get(), split_name);
      const std::vector<std::string> members = detail::group_members(c, group.get());
      if (members.empty()) c.fail("split '" + std::string(split_name) + "' is empty (no sequences in '" + at + "')");
      data::Split& split = split_name == std::string("train")   ? dataset.train
                           : split_name == std::string("valid") ? dataset.valid
                                                                : dataset.test;
      for (const std::string& member : members) {
        hsize_t frames = 0, columns = 0;
        std::vector<std::uint8_t> bytes = read_sequence(c, group.get(), at, member, options, frames, columns);
        if (width == 0) {
          width = columns;
          width_from = at + "/" + member;
        } else if (columns != width) {
          c.fail("'" + at + "/" + member + "' has " + std::to_string(columns) + " columns, '" + width_from + "' has " +
                 std::to_string(width) + "; all sequences of all splits must have the same width");
        }
        split.width = static_cast<int>(columns);
        if (static_cast<std::int64_t>(split.rolls.size() + bytes.size()) > kMaxDatasetCells)
          c.fail("split '" + std::string(split_name) + "' is too large (more than " + std::to_string(kMaxDatasetCells) +
                 " entries)");
        split.append_sequence(bytes);
        std::string source = source_attribute(c, group.get(), member);
        split.sources.push_back(source.empty() ? file_name + ":" + split_name + "/" + member : source);
      }
    }
  }
  const data::FileBytes bytes = data::read_file_bytes(path);
  dataset.source_sha256 = data::sha256_hex(bytes);
  nlohmann::ordered_json o;
  o["source"] = "arrays";
  o["file"] = file_name;
  o["max_frames"] = options.max_frames;
  dataset.import_options = o.dump();
  return dataset;
}

}  // namespace seqvi::store
