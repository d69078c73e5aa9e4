#include "hdf5_io.hpp"

#include <stdexcept>

namespace seqvi::store::detail {

void Checker::fail(const std::string& what) const {
  const std::string detail = hdf5_error_detail();
  raise_(prefix_ + what + (detail.empty() ? "" : " (HDF5: " + detail + ")"));
  throw std::logic_error("Checker: raise did not throw");  // unreachable by contract
}

H5Handle create_group(const Checker& c, hid_t loc, const std::string& name) {
  const H5Handle plist = c.handle(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, "cannot make group properties");
  c.ok(H5Pset_link_creation_order(plist.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
       "cannot track creation order");
  return c.handle(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, plist.get(), H5P_DEFAULT), H5Gclose,
                  "cannot create group '" + name + "'");
}

H5Handle open_group(const Checker& c, hid_t loc, const std::string& name) {
  if (!has_link(c, loc, name)) c.fail("lacks the group '" + name + "'");
  return c.handle(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), H5Gclose, "cannot open group '" + name + "'");
}

bool has_link(const Checker& c, hid_t loc, const std::string& name) {
  const htri_t exists = H5Lexists(loc, name.c_str(), H5P_DEFAULT);
  c.ok(exists, "cannot look up '" + name + "'");
  return exists > 0;
}

std::vector<std::string> group_members(const Checker& c, hid_t group) {
  H5G_info_t info{};
  c.ok(H5Gget_info(group, &info), "cannot list a group");
  const H5Handle plist = c.handle(H5Gget_create_plist(group), H5Pclose, "cannot read group properties");
  unsigned order_flags = 0;
  c.ok(H5Pget_link_creation_order(plist.get(), &order_flags), "cannot read group properties");
  const H5_index_t index = (order_flags & H5P_CRT_ORDER_INDEXED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t n = H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (n < 0) c.fail("cannot read a member name");
    std::string name(static_cast<std::size_t>(n), '\0');
    H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, i, name.data(), static_cast<std::size_t>(n) + 1, H5P_DEFAULT);
    names.push_back(name);
  }
  return names;
}

namespace {

H5Handle scalar_space(const Checker& c) {
  return c.handle(H5Screate(H5S_SCALAR), H5Sclose, "cannot make a scalar dataspace");
}

void write_scalar(const Checker& c, hid_t loc, const std::string& name, hid_t file_type, hid_t mem_type,
                  const void* value) {
  const H5Handle space = scalar_space(c);
  const H5Handle a = c.handle(H5Acreate2(loc, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                              "cannot create attribute '" + name + "'");
  c.ok(H5Awrite(a.get(), mem_type, value), "cannot write attribute '" + name + "'");
}

H5Handle bool_type(const Checker& c) {
  H5Handle t = c.handle(H5Tenum_create(H5T_NATIVE_INT8), H5Tclose, "cannot make a bool type");
  const std::int8_t f = 0, t1 = 1;
  c.ok(H5Tenum_insert(t.get(), "FALSE", &f), "cannot make a bool type");
  c.ok(H5Tenum_insert(t.get(), "TRUE", &t1), "cannot make a bool type");
  return t;
}

H5Handle open_scalar_attribute(const Checker& c, hid_t loc, const std::string& name) {
  const htri_t exists = H5Aexists(loc, name.c_str());
  c.ok(exists, "cannot look up attribute '" + name + "'");
  if (exists == 0) c.fail("lacks the attribute '" + name + "'");
  H5Handle a = c.handle(H5Aopen(loc, name.c_str(), H5P_DEFAULT), H5Aclose, "cannot open attribute '" + name + "'");
  const H5Handle space = c.handle(H5Aget_space(a.get()), H5Sclose, "cannot read attribute space");
  if (H5Sget_simple_extent_npoints(space.get()) != 1) c.fail("attribute '" + name + "' is not a single value");
  return a;
}

}  // namespace

void write_attribute(const Checker& c, hid_t loc, const std::string& name, const std::string& value) {
  const H5Handle type = c.handle(H5Tcopy(H5T_C_S1), H5Tclose, "cannot make a string type");
  c.ok(H5Tset_size(type.get(), H5T_VARIABLE), "cannot make a string type");
  c.ok(H5Tset_cset(type.get(), H5T_CSET_UTF8), "cannot make a string type");
  const char* text = value.c_str();
  write_scalar(c, loc, name, type.get(), type.get(), &text);
}

void write_attribute(const Checker& c, hid_t loc, const std::string& name, std::int64_t value) {
  write_scalar(c, loc, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

void write_attribute(const Checker& c, hid_t loc, const std::string& name, double value) {
  write_scalar(c, loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

void write_bool_attribute(const Checker& c, hid_t loc, const std::string& name, bool value) {
  const H5Handle type = bool_type(c);
  const std::int8_t v = value ? 1 : 0;
  write_scalar(c, loc, name, type.get(), type.get(), &v);
}

std::vector<std::string> attribute_names(const Checker& c, hid_t loc) {
  H5O_info_t info{};
  c.ok(H5Oget_info2(loc, &info, H5O_INFO_NUM_ATTRS), "cannot list attributes");  // HDF5 1.10 API
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.num_attrs; ++i) {
    const ssize_t n = H5Aget_name_by_idx(loc, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (n < 0) c.fail("cannot read an attribute name");
    std::string name(static_cast<std::size_t>(n), '\0');
    H5Aget_name_by_idx(loc, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), static_cast<std::size_t>(n) + 1,
                       H5P_DEFAULT);
    names.push_back(name);
  }
  return names;
}

AttributeKind attribute_kind(const Checker& c, hid_t loc, const std::string& name) {
  const H5Handle a = open_scalar_attribute(c, loc, name);
  const H5Handle type = c.handle(H5Aget_type(a.get()), H5Tclose, "cannot read attribute type");
  switch (H5Tget_class(type.get())) {
    case H5T_INTEGER:
      return AttributeKind::integer;
    case H5T_FLOAT:
      return AttributeKind::real;
    case H5T_STRING:
      return AttributeKind::string;
    case H5T_ENUM:
      return AttributeKind::boolean;
    default:
      return AttributeKind::other;
  }
}

std::string read_string_attribute(const Checker& c, hid_t loc, const std::string& name) {
  const H5Handle a = open_scalar_attribute(c, loc, name);
  const H5Handle type = c.handle(H5Aget_type(a.get()), H5Tclose, "cannot read attribute type");
  if (H5Tget_class(type.get()) != H5T_STRING) c.fail("attribute '" + name + "' is not a string");
  const H5Handle memory = c.handle(H5Tcopy(H5T_C_S1), H5Tclose, "cannot make a string type");
  c.ok(H5Tset_cset(memory.get(), H5Tget_cset(type.get())), "cannot make a string type");
  if (H5Tis_variable_str(type.get()) > 0) {
    c.ok(H5Tset_size(memory.get(), H5T_VARIABLE), "cannot make a string type");
    char* text = nullptr;
    c.ok(H5Aread(a.get(), memory.get(), &text), "cannot read attribute '" + name + "'");
    std::string value = text != nullptr ? text : "";
    H5free_memory(text);
    return value;
  }
  const std::size_t size = H5Tget_size(type.get());
  if (size == 0 || size > (1u << 20)) c.fail("attribute '" + name + "' has an implausible size");
  c.ok(H5Tset_size(memory.get(), size), "cannot make a string type");
  std::vector<char> text(size + 1, '\0');
  c.ok(H5Aread(a.get(), memory.get(), text.data()), "cannot read attribute '" + name + "'");
  return std::string(text.data());
}

std::int64_t read_int_attribute(const Checker& c, hid_t loc, const std::string& name) {
  const H5Handle a = open_scalar_attribute(c, loc, name);
  const H5Handle type = c.handle(H5Aget_type(a.get()), H5Tclose, "cannot read attribute type");
  if (H5Tget_class(type.get()) != H5T_INTEGER) c.fail("attribute '" + name + "' is not an integer");
  std::int64_t v = 0;
  c.ok(H5Aread(a.get(), H5T_NATIVE_INT64, &v), "cannot read attribute '" + name + "'");
  return v;
}

double read_double_attribute(const Checker& c, hid_t loc, const std::string& name) {
  const H5Handle a = open_scalar_attribute(c, loc, name);
  const H5Handle type = c.handle(H5Aget_type(a.get()), H5Tclose, "cannot read attribute type");
  const auto cls = H5Tget_class(type.get());
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) c.fail("attribute '" + name + "' is not a number");
  double v = 0;
  c.ok(H5Aread(a.get(), H5T_NATIVE_DOUBLE, &v), "cannot read attribute '" + name + "'");
  return v;
}

bool read_bool_attribute(const Checker& c, hid_t loc, const std::string& name) {
  const H5Handle a = open_scalar_attribute(c, loc, name);
  const H5Handle type = c.handle(H5Aget_type(a.get()), H5Tclose, "cannot read attribute type");
  const auto cls = H5Tget_class(type.get());
  if (cls != H5T_ENUM && cls != H5T_INTEGER) c.fail("attribute '" + name + "' is not a boolean");
  std::int8_t v = 0;
  if (cls == H5T_ENUM) {
    const H5Handle mem = bool_type(c);
    c.ok(H5Aread(a.get(), mem.get(), &v), "cannot read attribute '" + name + "'");
  } else {
    c.ok(H5Aread(a.get(), H5T_NATIVE_INT8, &v), "cannot read attribute '" + name + "'");
  }
  return v != 0;
}

namespace {

void write_array(const Checker& c, hid_t loc, const std::string& name, int rank, const hsize_t* dims, hid_t file_type,
                 hid_t mem_type, const void* data) {
  const H5Handle space = c.handle(H5Screate_simple(rank, dims, nullptr), H5Sclose, "cannot make a dataspace");
  const H5Handle d =
      c.handle(H5Dcreate2(loc, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose,
               "cannot create '" + name + "'");
  bool empty = false;
  for (int i = 0; i < rank; ++i) empty = empty || dims[i] == 0;
  if (!empty) c.ok(H5Dwrite(d.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "cannot write '" + name + "'");
}

H5Handle open_dataset(const Checker& c, hid_t loc, const std::string& name, int rank, hsize_t* dims) {
  if (!has_link(c, loc, name)) c.fail("lacks the dataset '" + name + "'");
  H5Handle d = c.handle(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), H5Dclose, "cannot open '" + name + "'");
  const H5Handle space = c.handle(H5Dget_space(d.get()), H5Sclose, "cannot read the shape of '" + name + "'");
  if (H5Sget_simple_extent_ndims(space.get()) != rank)
    c.fail("'" + name + "' has rank " + std::to_string(H5Sget_simple_extent_ndims(space.get())) + ", expected " +
           std::to_string(rank));
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  return d;
}

}  // namespace

void write_matrix(const Checker& c, hid_t loc, const std::string& name, const float* data, std::int64_t rows,
                  std::int64_t cols) {
  const hsize_t dims[2] = {static_cast<hsize_t>(rows), static_cast<hsize_t>(cols)};
  write_array(c, loc, name, 2, dims, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, data);
}

void write_vector(const Checker& c, hid_t loc, const std::string& name, const std::vector<double>& v) {
  const hsize_t dims[1] = {v.size()};
  write_array(c, loc, name, 1, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v.data());
}

void write_vector(const Checker& c, hid_t loc, const std::string& name, const std::vector<std::int64_t>& v) {
  const hsize_t dims[1] = {v.size()};
  write_array(c, loc, name, 1, dims, H5T_STD_I64LE, H5T_NATIVE_INT64, v.data());
}

void read_matrix(const Checker& c, hid_t loc, const std::string& name, std::vector<float>& data, std::int64_t& rows,
                 std::int64_t& cols) {
  hsize_t dims[2] = {0, 0};
  const H5Handle d = open_dataset(c, loc, name, 2, dims);
  if (dims[0] > (1u << 28) || dims[1] > (1u << 28) || dims[0] * dims[1] > (hsize_t{1} << 31))
    c.fail("'" + name + "' is implausibly large");
  rows = static_cast<std::int64_t>(dims[0]);
  cols = static_cast<std::int64_t>(dims[1]);
  data.assign(dims[0] * dims[1], 0.0f);
  if (!data.empty())
    c.ok(H5Dread(d.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), "cannot read '" + name + "'");
}

std::vector<double> read_double_vector(const Checker& c, hid_t loc, const std::string& name) {
  hsize_t dims[1] = {0};
  const H5Handle d = open_dataset(c, loc, name, 1, dims);
  if (dims[0] > (hsize_t{1} << 30)) c.fail("'" + name + "' is implausibly large");
  std::vector<double> v(dims[0]);
  if (!v.empty())
    c.ok(H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), "cannot read '" + name + "'");
  return v;
}

std::vector<std::int64_t> read_int_vector(const Checker& c, hid_t loc, const std::string& name) {
  hsize_t dims[1] = {0};
  const H5Handle d = open_dataset(c, loc, name, 1, dims);
  if (dims[0] > (hsize_t{1} << 30)) c.fail("'" + name + "' is implausibly large");
  std::vector<std::int64_t> v(dims[0]);
  if (!v.empty())
    c.ok(H5Dread(d.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), "cannot read '" + name + "'");
  return v;
}

}  // namespace seqvi::store::detail
