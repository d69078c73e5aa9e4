// RoleTable: the Table-2 role of every parameter a model registers, filled layer by layer from the
// layers' parameter indices (never from names). Internal to the models.
#ifndef SEQVI_MODEL_DETAIL_PARAM_ROLES_HPP
#define SEQVI_MODEL_DETAIL_PARAM_ROLES_HPP

#include "seqvi/model/fd_dense.hpp"
#include "seqvi/model/fd_rnn.hpp"
#include "seqvi/model/keep_rate.hpp"
#include "seqvi/model/sequence_model.hpp"

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace seqvi::model::detail {

/// Roles by parameter index; finish() checks that every parameter got one.
class RoleTable {
 public:
  void set(std::size_t i, ParamRole role) {
    if (roles_.size() <= i) {
      roles_.resize(i + 1, ParamRole::weight);
      assigned_.resize(i + 1, false);
    }
    roles_[i] = role;
    assigned_[i] = true;
  }

  /// A learned keep rate's logit (nothing for a fixed keep rate).
  template <class S>
  void keep(const KeepRate<S>& k) {
    if (k.learned()) set(k.logit_index(), ParamRole::keep_logit);
  }

  /// W_in → input_weight, W_rec → recurrent_weight, b → hidden_bias, keep logits.
  template <class S>
  void rnn(const FdRnn<S>& r) {
    set(r.w_in_index(), ParamRole::input_weight);
    set(r.w_rec_index(), ParamRole::recurrent_weight);
    set(r.b_index(), ParamRole::hidden_bias);
    keep(r.keep_in());
    keep(r.keep_rec());
  }

  /// W → weight, b → the given bias role, keep logits.
  template <class S>
  void dense(const FdDense<S>& d, ParamRole bias) {
    set(d.w_index(), ParamRole::weight);
    set(d.b_index(), bias);
    keep(d.keep_rate());
  }

  /// The roles of parameters 0 … n − 1. @throws std::logic_error if one has none (a model bug).
  std::vector<ParamRole> finish(std::size_t n) const {
    for (std::size_t i = 0; i < n; ++i)
      if (i >= assigned_.size() || !assigned_[i])
        throw std::logic_error("parameter " + std::to_string(i) + " has no role");
    return {roles_.begin(), roles_.begin() + static_cast<std::ptrdiff_t>(n)};
  }

 private:
  std::vector<ParamRole> roles_;
  std::vector<bool> assigned_;
};

}  // namespace seqvi::model::detail

#endif  // SEQVI_MODEL_DETAIL_PARAM_ROLES_HPP
