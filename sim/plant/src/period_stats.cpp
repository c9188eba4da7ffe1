#include "sim/period_stats.hpp"

#include <cstdio>

namespace sim {

void MinMeanMax::add(double v) {
  if (n == 0 || v < min) min = v;
  if (n == 0 || v > max) max = v;
  sum += v;
  ++n;
}

void PeriodStats::add(const Plant& plant) {
  const PlantState& s = plant.state();
  load_mw_.add(s.load_mw + s.losses_mw);
  import_mw_.add(s.import_mw);
  if (!s.blackout) frequency_hz_.add(s.frequency_hz);
  turbines_mw_.add(s.generation_mw);
  units_online_.add(s.units_online);
  if (s.import_mw > plant.site().grid.import_contract_mw) above_contract_s_ += plant.step_s();
}

void PeriodStats::print_header(std::ostream& out) {
  out << "   time |  site load MW (min/mean/max) |  grid import MW (mean/max) | over   |"
         " turbines    | frequency Hz     | battery\n"
         "        |                              |                            | contract"
         "| units  MW   | min     max      | SoC\n";
}

void PeriodStats::print_row(std::ostream& out, double end_s, const Plant& plant) const {
  char line[256];
  const int h = static_cast<int>(end_s / 3600);
  const int m = static_cast<int>(end_s / 60) % 60;
  const Battery* b = plant.battery();
  std::snprintf(
      line, sizeof line,
      "  %02d:%02d | %7.1f %7.1f %7.1f      | %8.1f %8.1f          | %5.0f s |"
      " %4.1f %6.1f | %7.3f %7.3f  | %s\n",
      h, m, load_mw_.min, load_mw_.mean(), load_mw_.max, import_mw_.mean(), import_mw_.max,
      above_contract_s_, units_online_.mean(), turbines_mw_.mean(),
      frequency_hz_.n ? frequency_hz_.min : 0.0, frequency_hz_.n ? frequency_hz_.max : 0.0,
      b ? (std::to_string(static_cast<int>(b->soc_pu() * 100 + 0.5)) + " %").c_str() : "-");
  out << line;
}

}  // namespace sim
