// Private to store/: trial records and hyper-parameters as JSON, the text the sweep journal and the
// sweep table's `params` column hold (docs/sweep-store.md).
//
// Exact round trip: int64/double/string/bool keep their types (a double is always written with a
// fraction or exponent, "3.0", so it reads back as a double); doubles use the shortest text that
// reads back bit-identically. Non-finite doubles in record fields (the float64 and curve fields of
// search::kTrialFields) are the strings "inf", "-inf", "nan" (Python's float() reads all three); hyper-parameters must
// be finite. Strings are kept up to their first NUL byte (HDF5 strings end there) and invalid UTF-8 is replaced by
// U+FFFD, so the journal and the snapshot always agree.
#ifndef SEQVI_STORE_TRIAL_CODEC_HPP
#define SEQVI_STORE_TRIAL_CODEC_HPP

#include "seqvi/search/trial_record.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace seqvi::store::detail {

/// Thrown for JSON that is not a valid record; what() says which field and why (callers add where).
class CodecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The form every string field is stored in: cut at the first NUL byte.
std::string stored_string(const std::string& s);
/// What reading a stored string back gives: stored_string with invalid UTF-8 replaced by U+FFFD.
std::string stored_text(const std::string& s);

/// {"name": value, ...}. @throws CodecError for a non-finite double (named)
nlohmann::json params_to_json(const core::Params& params);
/// @throws CodecError for a value that is not an integer, number, string or bool
core::Params params_from_json(const nlohmann::json& j);
/// Compact JSON text of params_to_json (invalid UTF-8 replaced).
std::string params_to_text(const core::Params& params);
/// @throws CodecError (also for text that is not JSON)
core::Params params_from_text(const std::string& text);

/// {"id": …, and each field of search::kTrialFields under its name}.
nlohmann::json record_to_json(const search::TrialRecord& r);
/// @throws CodecError naming the missing or mistyped field. A field added after the table's first
///         revision (since > 1) that the record lacks reads as its `absent` value.
search::TrialRecord record_from_json(const nlohmann::json& j);

/// Compact JSON text, invalid UTF-8 replaced by U+FFFD (never throws for strings).
std::string dump_json(const nlohmann::json& j);

}  // namespace seqvi::store::detail

#endif  // SEQVI_STORE_TRIAL_CODEC_HPP
