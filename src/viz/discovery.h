// src/viz/discovery: which cells track which text property, found by Pearson
// correlation of every cell's activation series with every property series
// (viz/text_properties.h), and ranked by |r|. No LibTorch.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "viz/text_properties.h"

namespace charnn {

// Pearson's r of x and y (n values each), computed in double; 0 when either is
// constant (r is undefined there, and such a series tracks nothing).
double pearson(const float* x, const float* y, size_t n);

struct Correlated {
  size_t series = 0;  // index of the series, as given to Discovery::add
  double r = 0;
};

struct PropertyRanking {
  std::string name, description;
  bool constant = false;         // the property does not vary over the text: nothing can track it
  std::vector<Correlated> top;   // by |r| descending (ties: lower index first); empty when constant
};

// Feed every series once (any order); each is correlated with every property
// as it comes, so only the properties are held, never the series.
class Discovery {
 public:
  explicit Discovery(const std::vector<TextProperty>& properties);
  // `x`: one value per character, as many as the properties have.
  void add(size_t series, const float* x, size_t n);
  // The `top` series most correlated (by |r|) with each property, in property order.
  std::vector<PropertyRanking> ranking(size_t top) const;
  // r of every series added, per property: r(p)[k] for the k-th series added.
  const std::vector<double>& r(size_t property) const { return props_[property].r; }

 private:
  struct Prop {
    std::string name, description;
    std::vector<double> z;  // the property centred and scaled to unit norm (all 0 when constant)
    bool constant = false;
    std::vector<double> r;
    std::vector<size_t> series;
  };
  std::vector<Prop> props_;
  size_t n_ = 0;
};

}  // namespace charnn
