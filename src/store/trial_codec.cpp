#include "trial_codec.hpp"

#include <cmath>
#include <limits>

namespace seqvi::store::detail {
namespace {

using nlohmann::json;

json double_to_json(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return x;
}

double double_from_json(const json& j, const std::string& field) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
  }
  throw CodecError("field '" + field + "' is " + j.dump() + ", must be a number or \"inf\"/\"-inf\"/\"nan\"");
}

const json& member(const json& j, const std::string& field) {
  const auto it = j.find(field);
  if (it == j.end()) throw CodecError("lacks the field '" + field + "'");
  return *it;
}

std::int64_t int_value(const json& v, const std::string& field) {
  if (v.is_number_integer() &&
      !(v.is_number_unsigned() &&
        v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())))
    return v.get<std::int64_t>();
  throw CodecError("field '" + field + "' is " + v.dump() + ", must be a 64-bit integer");
}

std::string string_field(const json& j, const std::string& field) {
  const json& v = member(j, field);
  if (!v.is_string()) throw CodecError("field '" + field + "' is " + v.dump() + ", must be a string");
  return v.get<std::string>();
}

}  // namespace

std::string stored_string(const std::string& s) { return s.substr(0, s.find('\0')); }

std::string stored_text(const std::string& s) {
  return json::parse(dump_json(json(stored_string(s)))).get<std::string>();
}

std::string dump_json(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json params_to_json(const core::Params& params) {
  json j = json::object();
  for (const auto& [name, value] : params) {
    const std::string key = stored_string(name);
    if (const auto* i = std::get_if<std::int64_t>(&value))
      j[key] = *i;
    else if (const auto* d = std::get_if<double>(&value)) {
      if (!std::isfinite(*d))
        throw CodecError("hyper-parameter '" + name + "' is " + core::to_string(value) +
                         ", must be finite to be stored");
      j[key] = *d;
    } else if (const auto* s = std::get_if<std::string>(&value))
      j[key] = stored_string(*s);
    else
      j[key] = std::get<bool>(value);
  }
  return j;
}

core::Params params_from_json(const json& j) {
  if (!j.is_object()) throw CodecError("params are " + j.dump() + ", must be a JSON object");
  core::Params params;
  for (const auto& [name, v] : j.items()) {
    if (v.is_boolean())
      params[name] = v.get<bool>();
    else if (v.is_number_float())
      params[name] = v.get<double>();
    else if (v.is_number_unsigned() &&
             v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      throw CodecError("hyper-parameter '" + name + "' is " + v.dump() + ", must fit a 64-bit integer");
    else if (v.is_number_integer())
      params[name] = v.get<std::int64_t>();
    else if (v.is_string())
      params[name] = v.get<std::string>();
    else
      throw CodecError("hyper-parameter '" + name + "' is " + v.dump() +
                       ", must be an integer, number, string or bool");
  }
  return params;
}

std::string params_to_text(const core::Params& params) { return dump_json(params_to_json(params)); }

core::Params params_from_text(const std::string& text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw CodecError("params are not JSON: " + std::string(e.what()));
  }
  return params_from_json(j);
}

namespace {

using search::FieldKind;

/// A field's value as the journal holds it (kinds: search/trial_fields.hpp).
template <FieldKind K>
json field_to_json(const typename search::FieldValue<K>::type& v) {
  if constexpr (K == FieldKind::text)
    return stored_string(v);
  else if constexpr (K == FieldKind::float64)
    return double_to_json(v);
  else if constexpr (K == FieldKind::state)
    return search::to_string(v);
  else if constexpr (K == FieldKind::params)
    return params_to_json(v);
  else if constexpr (K == FieldKind::curve) {
    json curve = json::array();
    for (const double x : v) curve.push_back(double_to_json(x));
    return curve;
  } else
    return v;  // int64, int32, uint64
}

/// A field's value from the journal. @throws CodecError naming the field
template <FieldKind K>
typename search::FieldValue<K>::type field_from_json(const json& v, const std::string& field) {
  if constexpr (K == FieldKind::text) {
    if (!v.is_string()) throw CodecError("field '" + field + "' is " + v.dump() + ", must be a string");
    return v.get<std::string>();
  } else if constexpr (K == FieldKind::int64) {
    return int_value(v, field);
  } else if constexpr (K == FieldKind::int32) {
    const std::int64_t x = int_value(v, field);
    if (x < std::numeric_limits<int>::min() || x > std::numeric_limits<int>::max())
      throw CodecError("field '" + field + "' is " + std::to_string(x) + ", must fit an int");
    return static_cast<int>(x);
  } else if constexpr (K == FieldKind::uint64) {
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
      throw CodecError("field '" + field + "' is " + v.dump() + ", must be an unsigned 64-bit integer");
    return v.get<std::uint64_t>();
  } else if constexpr (K == FieldKind::float64) {
    return double_from_json(v, field);
  } else if constexpr (K == FieldKind::state) {
    try {
      return search::parse_trial_state(field_from_json<FieldKind::text>(v, field));
    } catch (const std::invalid_argument& e) {
      throw CodecError(e.what());
    }
  } else if constexpr (K == FieldKind::params) {
    return params_from_json(v);
  } else {
    static_assert(K == FieldKind::curve);
    if (!v.is_array()) throw CodecError("field '" + field + "' is not an array");
    std::vector<double> curve;
    curve.reserve(v.size());
    for (const json& x : v) curve.push_back(double_from_json(x, field));
    return curve;
  }
}

}  // namespace

json record_to_json(const search::TrialRecord& r) {
  json j = json::object();  // keys in name order whatever the table's order
  j["id"] = stored_string(r.id());
  search::for_each_trial_field(
      [&](const auto& field) { j[field.name] = field_to_json<search::field_kind<decltype(field)>>(field.of(r)); });
  return j;
}

search::TrialRecord record_from_json(const json& j) {
  if (!j.is_object()) throw CodecError("the record is " + j.dump() + ", must be a JSON object");
  search::TrialRecord r;
  search::for_each_trial_field([&](const auto& field) {
    const auto it = j.find(field.name);
    if (it != j.end()) {
      field.of(r) = field_from_json<search::field_kind<decltype(field)>>(*it, field.name);
    } else if constexpr (search::is_scalar(search::field_kind<decltype(field)>)) {
      if (field.since == 1) throw CodecError("lacks the field '" + std::string(field.name) + "'");
      field.of(r) = field.absent;  // a record written before the field existed
    } else {
      throw CodecError("lacks the field '" + std::string(field.name) + "'");
    }
  });
  const std::string id = string_field(j, "id");
  if (id != r.id()) throw CodecError("field 'id' is '" + id + "' but dataset, model and index name '" + r.id() + "'");
  return r;
}

}  // namespace seqvi::store::detail
