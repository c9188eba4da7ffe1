// Minimum, mean and maximum of the plant's headline quantities over a period:
// what `plantsim` prints, one line an hour, for a day's run.
#pragma once

#include <ostream>

#include "sim/plant.hpp"

namespace sim {

struct MinMeanMax {
  double min = 0, max = 0, sum = 0;
  long long n = 0;
  void add(double v);
  double mean() const { return n ? sum / static_cast<double>(n) : 0.0; }
};

class PeriodStats {
 public:
  void add(const Plant& plant);
  void reset() { *this = PeriodStats{}; }

  static void print_header(std::ostream& out);
  void print_row(std::ostream& out, double end_s, const Plant& plant) const;

  const MinMeanMax& load_mw() const { return load_mw_; }
  const MinMeanMax& import_mw() const { return import_mw_; }
  const MinMeanMax& frequency_hz() const { return frequency_hz_; }
  double above_contract_s() const { return above_contract_s_; }

 private:
  MinMeanMax load_mw_, import_mw_, frequency_hz_, turbines_mw_, units_online_;
  double above_contract_s_ = 0;
};

}  // namespace sim
