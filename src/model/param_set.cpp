#include "seqvi/model/param_set.hpp"

#include <stdexcept>

namespace seqvi::model {

template <class S>
std::size_t ParamSet<S>::add(const std::string& name, Index rows, Index cols) {
  for (const auto& n : names_)
    if (n == name) throw std::invalid_argument("parameter name '" + name + "' is already used");
  if (rows < 0 || cols < 0) throw std::invalid_argument("parameter '" + name + "' has a negative shape");
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
    throw std::invalid_argument("unflatten: vector has " + std::to_string(flat.size()) + " entries, the parameters " +
                                std::to_string(total()));
  Index at = 0;
  for (auto& v : values_) {
    Eigen::Map<ColVec<S>>(v.data(), v.size()) = flat.segment(at, v.size());
    at += v.size();
  }
}

template class ParamSet<float>;
template class ParamSet<double>;

namespace {

std::string shape(Index rows, Index cols) { return std::to_string(rows) + "×" + std::to_string(cols); }

}  // namespace

template <class S>
ParamSet<S> bind_by_name(const ParamSet<S>& prototype, const ParamSet<S>& given, const std::string& owner) {
  ParamSet<S> out = prototype;
  for (std::size_t i = 0; i < prototype.size(); ++i) {
    std::size_t j = 0;
    try {
      j = given.index(prototype.name(i));
    } catch (const std::out_of_range&) {
      throw std::invalid_argument("parameter '" + prototype.name(i) + "' is missing; the " + owner + " needs it");
    }
    if (given[j].rows() != prototype[i].rows() || given[j].cols() != prototype[i].cols())
      throw std::invalid_argument("parameter '" + prototype.name(i) + "' is " +
                                  shape(given[j].rows(), given[j].cols()) + ", the " + owner + " needs " +
                                  shape(prototype[i].rows(), prototype[i].cols()));
    out[i] = given[j];
  }
  if (given.size() != prototype.size())  // names are unique: every one of `prototype` was found above
    for (std::size_t j = 0; j < given.size(); ++j) {
      try {
        (void)prototype.index(given.name(j));
      } catch (const std::out_of_range&) {
        throw std::invalid_argument("parameter '" + given.name(j) + "' is not one of the " + owner + "'s");
      }
    }
  return out;
}

template ParamSet<float> bind_by_name(const ParamSet<float>&, const ParamSet<float>&, const std::string&);
template ParamSet<double> bind_by_name(const ParamSet<double>&, const ParamSet<double>&, const std::string&);

}  // namespace seqvi::model
