#include "seqvi/store/dataset_file.hpp"

#include "hdf5_io.hpp"
#include "provenance_io.hpp"
#include "seqvi/data/huge_page_allocator.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace seqvi::store {
namespace {

using detail::Checker;
using detail::H5Handle;
constexpr const char* kSplitNames[] = {"train", "valid", "test"};

data::Split& split_of(data::Dataset& dataset, int i) {
  return i == 0 ? dataset.train : i == 1 ? dataset.valid : dataset.test;
}
const data::Split& split_of(const data::Dataset& dataset, int i) {
  return i == 0 ? dataset.train : i == 1 ? dataset.valid : dataset.test;
}

/// Failures name the file: "dataset file '<path>': <what> (HDF5: …)", thrown as DatasetFileError.
detail::Checker checker(const std::filesystem::path& path) {
  return detail::Checker("dataset file '" + path.string() + "': ",
                         [](const std::string& what) { throw DatasetFileError(what); });
}

void check_split_invariants(const std::filesystem::path& path, const char* name, const data::Split& split) {
  const auto fail = [&](const std::string& what) {
    throw DatasetFileError("dataset file '" + path.string() + "': split '" + name + "' is malformed: " + what);
  };
  if (split.offsets.empty() || split.offsets.front() != 0) fail("offsets must start at 0");
  if (!std::is_sorted(split.offsets.begin(), split.offsets.end())) fail("offsets decrease");
  if (split.width < 1 || split.width > kMaxDatasetWidth)
    fail("width is " + std::to_string(split.width) + ", must be 1.." + std::to_string(kMaxDatasetWidth));
  if (split.rolls.size() != static_cast<std::size_t>(split.frames()) * static_cast<std::size_t>(split.width))
    fail("rolls hold " + std::to_string(split.rolls.size()) + " bytes, offsets say " + std::to_string(split.frames()) +
         " frames × " + std::to_string(split.width));
  if (!split.sources.empty() && split.sources.size() != split.sequences())
    fail(std::to_string(split.sources.size()) + " source names for " + std::to_string(split.sequences()) +
         " sequences");
}

/// A 1-D dataset of variable-length UTF-8 strings.
void write_strings(const Checker& c, hid_t loc, const std::string& at, const char* name,
                   const std::vector<std::string>& values) {
  const H5Handle type = c.handle(H5Tcopy(H5T_C_S1), H5Tclose, "cannot make a string type");
  c.ok(H5Tset_size(type.get(), H5T_VARIABLE), "cannot make a string type");
  c.ok(H5Tset_cset(type.get(), H5T_CSET_UTF8), "cannot make a string type");
  const hsize_t count[1] = {values.size()};
  const H5Handle space = c.handle(H5Screate_simple(1, count, nullptr), H5Sclose, "cannot make a dataspace");
  const H5Handle set = c.handle(H5Dcreate2(loc, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                                H5Dclose, "cannot create '" + at + "/" + name + "'");
  std::vector<const char*> pointers;
  for (const auto& v : values) pointers.push_back(v.c_str());
  if (!values.empty())
    c.ok(H5Dwrite(set.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()),
         "cannot write '" + at + "/" + name + "'");
}

std::vector<std::string> read_strings(const Checker& c, hid_t loc, const std::string& at, const char* name) {
  const std::string full = at + "/" + name;
  const H5Handle set = c.handle(H5Dopen2(loc, name, H5P_DEFAULT), H5Dclose, "cannot open '" + full + "'");
  const H5Handle type = c.handle(H5Dget_type(set.get()), H5Tclose, "cannot read the type of '" + full + "'");
  if (H5Tget_class(type.get()) != H5T_STRING || H5Tis_variable_str(type.get()) <= 0)
    c.fail("'" + full + "' does not hold variable-length strings");
  const H5Handle space = c.handle(H5Dget_space(set.get()), H5Sclose, "cannot read the shape of '" + full + "'");
  if (H5Sget_simple_extent_ndims(space.get()) != 1) c.fail("'" + full + "' is not one-dimensional");
  hsize_t count[1] = {0};
  c.ok(H5Sget_simple_extent_dims(space.get(), count, nullptr), "cannot read the shape of '" + full + "'");
  if (count[0] > static_cast<hsize_t>(kMaxDatasetFrames)) c.fail("'" + full + "' has too many entries");
  const H5Handle memory = c.handle(H5Tcopy(H5T_C_S1), H5Tclose, "cannot make a string type");
  c.ok(H5Tset_size(memory.get(), H5T_VARIABLE), "cannot make a string type");
  c.ok(H5Tset_cset(memory.get(), H5Tget_cset(type.get())), "cannot make a string type");
  std::vector<char*> pointers(static_cast<std::size_t>(count[0]), nullptr);
  if (count[0] > 0)
    c.ok(H5Dread(set.get(), memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()),
         "cannot read '" + full + "'");
  std::vector<std::string> values;
  values.reserve(pointers.size());
  for (char* p : pointers) {
    values.emplace_back(p != nullptr ? p : "");
    H5free_memory(p);
  }
  return values;
}

void write_split(const Checker& c, hid_t file, const char* name, const data::Split& split) {
  const std::string at = std::string("/") + name;
  const H5Handle group = c.handle(H5Gcreate2(file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                                  "cannot create group '" + at + "'");
  {
    const auto frames = static_cast<hsize_t>(split.frames());
    const auto width = static_cast<hsize_t>(split.width);
    const hsize_t dims[2] = {frames, width};
    const H5Handle space = c.handle(H5Screate_simple(2, dims, nullptr), H5Sclose, "cannot make a dataspace");
    const H5Handle create = c.handle(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "cannot make a property list");
    // At most 704 KiB per chunk (8192 frames × 88 keys): fits HDF5's default 1 MiB chunk cache.
    const hsize_t chunk_frames = std::max<hsize_t>(1, std::min<hsize_t>(8192, (8192 * 88) / width));
    const hsize_t chunk[2] = {std::clamp<hsize_t>(frames, 1, chunk_frames), width};
    c.ok(H5Pset_chunk(create.get(), 2, chunk), "cannot set chunking");
    if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) c.ok(H5Pset_deflate(create.get(), 4), "cannot set deflate");
    const H5Handle rolls =
        c.handle(H5Dcreate2(group.get(), "rolls", H5T_STD_U8LE, space.get(), H5P_DEFAULT, create.get(), H5P_DEFAULT),
                 H5Dclose, "cannot create '" + at + "/rolls'");
    if (frames > 0)
      c.ok(H5Dwrite(rolls.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, split.rolls.data()),
           "cannot write '" + at + "/rolls'");
  }
  const hsize_t count[1] = {split.offsets.size()};
  const H5Handle space = c.handle(H5Screate_simple(1, count, nullptr), H5Sclose, "cannot make a dataspace");
  const H5Handle offsets =
      c.handle(H5Dcreate2(group.get(), "offsets", H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
               H5Dclose, "cannot create '" + at + "/offsets'");
  c.ok(H5Dwrite(offsets.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, split.offsets.data()),
       "cannot write '" + at + "/offsets'");
  if (!split.sources.empty()) write_strings(c, group.get(), at, "sources", split.sources);
}

// ---- reading ------------------------------------------------------------------------------------
/// Opens an integer dataset of the given rank and returns it with its dimensions.
H5Handle open_array(const Checker& c, hid_t group, const std::string& at, const char* name, int rank, hsize_t* dims) {
  const std::string full = at + "/" + name;
  const htri_t exists = H5Lexists(group, name, H5P_DEFAULT);
  c.ok(exists, "cannot look up '" + full + "'");
  if (exists == 0) c.fail("lacks the dataset '" + full + "'");
  H5Handle set = c.handle(H5Dopen2(group, name, H5P_DEFAULT), H5Dclose, "cannot open '" + full + "'");
  const H5Handle type = c.handle(H5Dget_type(set.get()), H5Tclose, "cannot read the type of '" + full + "'");
  if (H5Tget_class(type.get()) != H5T_INTEGER) c.fail("'" + full + "' does not hold integers");
  const H5Handle space = c.handle(H5Dget_space(set.get()), H5Sclose, "cannot read the shape of '" + full + "'");
  const int actual = H5Sget_simple_extent_ndims(space.get());
  if (actual != rank)
    c.fail("'" + full + "' has " + std::to_string(actual) + " dimensions, expected " + std::to_string(rank));
  c.ok(H5Sget_simple_extent_dims(space.get(), dims, nullptr), "cannot read the shape of '" + full + "'");
  return set;
}

void read_split(const Checker& c, hid_t file, const char* name, data::Split& split) {
  const std::string at = std::string("/") + name;
  const htri_t exists = H5Lexists(file, name, H5P_DEFAULT);
  c.ok(exists, "cannot look up '" + at + "'");
  if (exists == 0) c.fail("lacks the group '" + at + "'");
  const H5Handle group = c.handle(H5Gopen2(file, name, H5P_DEFAULT), H5Gclose, "cannot open '" + at + "'");

  hsize_t dims[2] = {0, 0};
  const H5Handle rolls = open_array(c, group.get(), at, "rolls", 2, dims);
  if (dims[1] < 1 || dims[1] > static_cast<hsize_t>(kMaxDatasetWidth))
    c.fail("'" + at + "/rolls' has " + std::to_string(dims[1]) + " columns, must have 1.." +
           std::to_string(kMaxDatasetWidth));
  if (dims[0] > static_cast<hsize_t>(kMaxDatasetFrames))
    c.fail("'" + at + "/rolls' has " + std::to_string(dims[0]) + " frames, more than the limit " +
           std::to_string(kMaxDatasetFrames));
  if (dims[0] * dims[1] > static_cast<hsize_t>(kMaxDatasetCells))
    c.fail("'" + at + "/rolls' has " + std::to_string(dims[0]) + " × " + std::to_string(dims[1]) +
           " entries, more than the limit " + std::to_string(kMaxDatasetCells));
  split.width = static_cast<int>(dims[1]);
  const std::size_t width = dims[1];
  split.rolls.clear();
  split.rolls.reserve(static_cast<std::size_t>(dims[0]) * width);
  data::advise_huge_pages(split.rolls.data(), split.rolls.capacity());
  split.rolls.resize(static_cast<std::size_t>(dims[0]) * width, 0);
  if (dims[0] > 0)
    c.ok(H5Dread(rolls.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, split.rolls.data()),
         "cannot read '" + at + "/rolls'");
  const auto bad = std::find_if(split.rolls.begin(), split.rolls.end(), [](std::uint8_t v) { return v > 1; });
  if (bad != split.rolls.end()) {
    const auto index = static_cast<std::size_t>(bad - split.rolls.begin());
    c.fail("'" + at + "/rolls' holds " + std::to_string(*bad) + " at frame " + std::to_string(index / width) +
           ", column " + std::to_string(index % width) + "; only 0 and 1 are allowed");
  }

  hsize_t count[1] = {0};
  const H5Handle offsets = open_array(c, group.get(), at, "offsets", 1, count);
  if (count[0] < 1 || count[0] > static_cast<hsize_t>(kMaxDatasetFrames) + 1)
    c.fail("'" + at + "/offsets' has " + std::to_string(count[0]) + " entries, expected 1.." +
           std::to_string(kMaxDatasetFrames + 1));
  split.offsets.assign(static_cast<std::size_t>(count[0]), 0);
  c.ok(H5Dread(offsets.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, split.offsets.data()),
       "cannot read '" + at + "/offsets'");
  if (split.offsets.front() != 0)
    c.fail("'" + at + "/offsets' starts at " + std::to_string(split.offsets.front()) + ", must start at 0");
  const auto down = std::is_sorted_until(split.offsets.begin(), split.offsets.end());
  if (down != split.offsets.end())
    c.fail("'" + at + "/offsets' decreases at entry " + std::to_string(down - split.offsets.begin()));
  if (split.offsets.back() != static_cast<std::int64_t>(dims[0]))
    c.fail("'" + at + "/offsets' ends at " + std::to_string(split.offsets.back()) + ", but rolls hold " +
           std::to_string(dims[0]) + " frames");
  split.sources.clear();
  if (detail::has_link(c, group.get(), "sources")) {
    split.sources = read_strings(c, group.get(), at, "sources");
    if (split.sources.size() != split.sequences())
      c.fail("'" + at + "/sources' has " + std::to_string(split.sources.size()) + " entries for " +
             std::to_string(split.sequences()) + " sequences");
  }
}

}  // namespace

void write_dataset(const data::Dataset& dataset, const std::filesystem::path& path, Overwrite overwrite) {
  for (int i = 0; i < 3; ++i) check_split_invariants(path, kSplitNames[i], split_of(dataset, i));
  for (int i = 1; i < 3; ++i)
    if (split_of(dataset, i).width != dataset.train.width)
      throw DatasetFileError("dataset file '" + path.string() + "': split '" + kSplitNames[i] + "' has " +
                             std::to_string(split_of(dataset, i).width) + " columns, split 'train' has " +
                             std::to_string(dataset.train.width) + "; all splits must have the same width");
  detail::silence_hdf5_errors();
  AtomicFile atomic(path);
  const Checker c = checker(path);
  {
    H5Handle file = c.handle(H5Fcreate(atomic.temp_path().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
                             "cannot create the temp file '" + atomic.temp_path().string() + "'");
    detail::write_attribute(c, file.get(), "format", std::string(kDatasetFormat));
    detail::write_attribute(c, file.get(), "format_version", std::int64_t{kDatasetFormatVersion});
    detail::write_attribute(c, file.get(), "name", dataset.name);
    detail::write_attribute(c, file.get(), "source_sha256", dataset.source_sha256);
    detail::write_provenance(c, file.get(), "provenance", current_provenance());  // who imported it
    if (!dataset.import_options.empty())
      detail::write_attribute(c, file.get(), "import_options", dataset.import_options);
    for (int i = 0; i < 3; ++i) write_split(c, file.get(), kSplitNames[i], split_of(dataset, i));
    c.ok(file.close(), "cannot close (flush) the temp file");
  }
  atomic.commit(overwrite);
}

data::Dataset read_dataset(const std::filesystem::path& path) {
  detail::silence_hdf5_errors();
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) throw DatasetFileError("dataset file '" + path.string() + "' does not exist");
  if (!std::filesystem::is_regular_file(status))
    throw DatasetFileError("dataset file '" + path.string() + "' is not a regular file");
  const Checker c = checker(path);
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 <= 0) c.fail(is_hdf5 < 0 ? "cannot be opened" : "is not an HDF5 file");
  const H5Handle file =
      c.handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "cannot be opened as HDF5 (damaged?)");
  const htri_t has_format = H5Aexists(file.get(), "format");
  c.ok(has_format, "cannot look up attribute 'format'");
  if (has_format == 0) c.fail("lacks the root attribute 'format'; not a seqvi dataset file");
  const std::string format = detail::read_string_attribute(c, file.get(), "format");
  if (format != kDatasetFormat)
    c.fail("format attribute is '" + format + "', expected '" + kDatasetFormat + "'; not a seqvi dataset file");
  const std::int64_t version = detail::read_int_attribute(c, file.get(), "format_version");
  if (version != kDatasetFormatVersion)
    c.fail("format_version is " + std::to_string(version) + ", this seqvi reads version " +
           std::to_string(kDatasetFormatVersion));
  data::Dataset dataset;
  dataset.name = detail::read_string_attribute(c, file.get(), "name");
  dataset.source_sha256 = detail::read_string_attribute(c, file.get(), "source_sha256");
  const htri_t has_options = H5Aexists(file.get(), "import_options");
  c.ok(has_options, "cannot look up attribute 'import_options'");
  if (has_options > 0) dataset.import_options = detail::read_string_attribute(c, file.get(), "import_options");
  for (int i = 0; i < 3; ++i) read_split(c, file.get(), kSplitNames[i], split_of(dataset, i));
  for (int i = 1; i < 3; ++i)
    if (split_of(dataset, i).width != dataset.train.width)
      c.fail("'/" + std::string(kSplitNames[i]) + "/rolls' has " + std::to_string(split_of(dataset, i).width) +
             " columns, '/train/rolls' has " + std::to_string(dataset.train.width) +
             "; all splits must have the same width");
  return dataset;
}

}  // namespace seqvi::store
