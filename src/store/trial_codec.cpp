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

std::int64_t int_field(const json& j, const std::string& field) {
  const json& v = member(j, field);
  if (v.is_number_integer() && !(v.is_number_unsigned() && v.get<std::uint64_t>() >
                                                               static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())))
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
    if (const auto* i = std::get_if<std::int64_t>(&value)) j[key] = *i;
    else if (const auto* d = std::get_if<double>(&value)) {
      if (!std::isfinite(*d))
        throw CodecError("hyper-parameter '" + name + "' is " + core::to_string(value) + ", must be finite to be stored");
      j[key] = *d;
    } else if (const auto* s = std::get_if<std::string>(&value)) j[key] = stored_string(*s);
    else j[key] = std::get<bool>(value);
  }
  return j;
}

core::Params params_from_json(const json& j) {
  if (!j.is_object()) throw CodecError("params are " + j.dump() + ", must be a JSON object");
  core::Params params;
  for (const auto& [name, v] : j.items()) {
    if (v.is_boolean()) params[name] = v.get<bool>();
    else if (v.is_number_float()) params[name] = v.get<double>();
    else if (v.is_number_unsigned() &&
             v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      throw CodecError("hyper-parameter '" + name + "' is " + v.dump() + ", must fit a 64-bit integer");
    else if (v.is_number_integer()) params[name] = v.get<std::int64_t>();
    else if (v.is_string()) params[name] = v.get<std::string>();
    else throw CodecError("hyper-parameter '" + name + "' is " + v.dump() + ", must be an integer, number, string or bool");
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

json record_to_json(const search::TrialRecord& r) {
  json curve = json::array();
  for (const double v : r.valid_curve) curve.push_back(double_to_json(v));
  return json{{"id", stored_string(r.id())},
              {"dataset", stored_string(r.spec.dataset)},
              {"model", stored_string(r.spec.model)},
              {"index", r.spec.index},
              {"seed", r.spec.seed},
              {"params", params_to_json(r.spec.params)},
              {"state", search::to_string(r.state)},
              {"epochs", r.epochs},
              {"best_valid", double_to_json(r.best_valid)},
              {"best_epoch", r.best_epoch},
              {"valid_curve", std::move(curve)},
              {"valid_kl", double_to_json(r.valid_kl)},
              {"active_dims", r.active_dims},
              {"wall_s", double_to_json(r.wall_s)},
              {"rank", r.rank},
              {"attempts", r.attempts},
              {"crashes", r.crashes},
              {"epochs_at_start", r.epochs_at_start},
              {"message", stored_string(r.message)}};
}

search::TrialRecord record_from_json(const json& j) {
  if (!j.is_object()) throw CodecError("the record is " + j.dump() + ", must be a JSON object");
  search::TrialRecord r;
  r.spec.dataset = string_field(j, "dataset");
  r.spec.model = string_field(j, "model");
  r.spec.index = int_field(j, "index");
  const json& seed = member(j, "seed");
  if (!seed.is_number_unsigned() && !(seed.is_number_integer() && seed.get<std::int64_t>() >= 0))
    throw CodecError("field 'seed' is " + seed.dump() + ", must be an unsigned 64-bit integer");
  r.spec.seed = seed.get<std::uint64_t>();
  r.spec.params = params_from_json(member(j, "params"));
  try {
    r.state = search::parse_trial_state(string_field(j, "state"));
  } catch (const std::invalid_argument& e) {
    throw CodecError(e.what());
  }
  r.epochs = int_field(j, "epochs");
  r.best_valid = double_from_json(member(j, "best_valid"), "best_valid");
  r.best_epoch = int_field(j, "best_epoch");
  const json& curve = member(j, "valid_curve");
  if (!curve.is_array()) throw CodecError("field 'valid_curve' is not an array");
  r.valid_curve.reserve(curve.size());
  for (const json& v : curve) r.valid_curve.push_back(double_from_json(v, "valid_curve"));
  // Absent in records written before the table held them: unknown (NaN, −1).
  if (j.contains("valid_kl")) r.valid_kl = double_from_json(j["valid_kl"], "valid_kl");
  if (j.contains("active_dims")) r.active_dims = int_field(j, "active_dims");
  r.wall_s = double_from_json(member(j, "wall_s"), "wall_s");
  const std::int64_t rank = int_field(j, "rank");
  if (rank < std::numeric_limits<int>::min() || rank > std::numeric_limits<int>::max())
    throw CodecError("field 'rank' is " + std::to_string(rank) + ", must fit an int");
  r.rank = static_cast<int>(rank);
  r.attempts = int_field(j, "attempts");
  r.crashes = int_field(j, "crashes");
  if (j.contains("epochs_at_start")) r.epochs_at_start = int_field(j, "epochs_at_start");  // absent before it existed
  r.message = string_field(j, "message");
  const std::string id = string_field(j, "id");
  if (id != r.id())
    throw CodecError("field 'id' is '" + id + "' but dataset, model and index name '" + r.id() + "'");
  return r;
}

}  // namespace seqvi::store::detail
