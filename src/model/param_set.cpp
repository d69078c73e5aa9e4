#include "seqvi/model/param_set.hpp"

#include <stdexcept>

namespace seqvi::model {

template <class S>
std::size_t ParamSet<S>::add(const std::string& name, Index rows, Index cols) {
  for (const auto& n : names_)
    if (n == name) throw std::invalid_argument("parameter name '" + name + "' is already used");
  if (rows < 0 || cols < 0)
    throw std::invalid_argument("parameter '" + name + "' has a negative shape");
  names_.push_back(name);
  values_.push_back(Mat<S>::Zero(rows, cols));
  return values_.size() - 1;
}

template <class S>
std::size_t ParamSet<S>::index(const std::string& name) const {
  for (std::size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return i;
  throw std::out_of_range("no parameter called '" + name + "'");
}

template <class S>
ParamSet<S> ParamSet<S>::zeros_like() const {
  ParamSet out;
  for (std::size_t i = 0; i < size(); ++i) out.add(names_[i], values_[i].rows(), values_[i].cols());
  return out;
}

template <class S>
void ParamSet<S>::set_zero() {
  for (auto& v : values_) v.setZero();
}

template <class S>
Index ParamSet<S>::total() const {
  Index n = 0;
  for (const auto& v : values_) n += v.size();
  return n;
}

template <class S>
ColVec<S> ParamSet<S>::flatten() const {
  ColVec<S> flat(total());
  Index at = 0;
  for (const auto& v : values_) {
    flat.segment(at, v.size()) = Eigen::Map<const ColVec<S>>(v.data(), v.size());
    at += v.size();
  }
  return flat;
}

template <class S>
void ParamSet<S>::unflatten(const Eigen::Ref<const ColVec<S>>& flat) {
  if (flat.size() != total())
    throw std::invalid_argument("unflatten: vector has " + std::to_string(flat.size()) +
                                " entries, the parameters " + std::to_string(total()));
  Index at = 0;
  for (auto& v : values_) {
    Eigen::Map<ColVec<S>>(v.data(), v.size()) = flat.segment(at, v.size());
    at += v.size();
  }
}

template class ParamSet<float>;
template class ParamSet<double>;

}  // namespace seqvi::model
