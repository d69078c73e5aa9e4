// ParamSet: the named parameter matrices of a model (or their gradients, or optimiser state).
#ifndef SEQVI_MODEL_PARAM_SET_HPP
#define SEQVI_MODEL_PARAM_SET_HPP

#include "seqvi/model/types.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace seqvi::model {

/// An ordered list of named matrices. Layers hold indices into it; gradients, optimiser state and
/// checkpoints are ParamSets of the same structure (`zeros_like`). Names are unique, e.g.
/// "rec.fwd.W_in"; biases and keep-rate logits are 1 × n matrices.
///
/// Ownership: owns its matrices. Thread safety: none (a value type).
template <class S>
class ParamSet {
 public:
  /// Adds a zero matrix of shape rows × cols; returns its index. Throws on a duplicate name.
  std::size_t add(const std::string& name, Index rows, Index cols);

  std::size_t size() const { return values_.size(); }
  Mat<S>& operator[](std::size_t i) { return values_[i]; }
  const Mat<S>& operator[](std::size_t i) const { return values_[i]; }
  const std::string& name(std::size_t i) const { return names_[i]; }
  /// Index of the parameter called `name`; throws std::out_of_range if absent.
  std::size_t index(const std::string& name) const;

  /// Same names and shapes, all zeros.
  ParamSet zeros_like() const;
  void set_zero();
  /// Total number of scalars.
  Index total() const;
  /// Concatenation of all matrices (row-major each) into one vector, and its inverse.
  ColVec<S> flatten() const;
  void unflatten(const Eigen::Ref<const ColVec<S>>& flat);

  /// Converts to another scalar type (float ↔ double), same names and shapes.
  template <class T>
  ParamSet<T> cast() const {
    ParamSet<T> out;
    for (std::size_t i = 0; i < size(); ++i) {
      out.add(names_[i], values_[i].rows(), values_[i].cols());
      out[i] = values_[i].template cast<T>();
    }
    return out;
  }

 private:
  std::vector<std::string> names_;
  std::vector<Mat<S>> values_;
};

extern template class ParamSet<float>;
extern template class ParamSet<double>;

/// The matrices of `given` (e.g. read from a checkpoint, whose arrays may be stored in any order)
/// in the order and shapes of `prototype` (the model's make_params()), looked up by name. Models
/// address parameters by position, so this is the one way a stored set becomes a model's.
/// @throws std::invalid_argument naming a parameter `given` lacks, one of another shape, or one the
///         model does not have ("parameter 'gen.W' is 8×3, the vosp needs 3×8"); `owner` ("vosp")
///         names the model in the message
template <class S>
ParamSet<S> bind_by_name(const ParamSet<S>& prototype, const ParamSet<S>& given, const std::string& owner);

}  // namespace seqvi::model

#endif  // SEQVI_MODEL_PARAM_SET_HPP
