#include "site/permit_pace.hpp"

#include <algorithm>
#include <cmath>

namespace site {

int fleet_start_budget(const Site& site) {
  return site.turbine_count() * site.permit.starts_per_unit_per_year;
}

double starts_allowed_by(const Site& site, double year_day) {
  const double budget = fleet_start_budget(site);
  const double days_released =
      std::floor(std::max(0.0, year_day)) + 1 + site.controller.start_pace_credit_days;
  return std::min(budget, budget * days_released / kPermitYearDays);
}

double projected_at_year_end(double used_before, double used_in_run, double run_days,
                             double year_day_at_end) {
  if (run_days <= 0) return used_before;
  const double days_left = std::max(0.0, kPermitYearDays - year_day_at_end);
  return used_before + used_in_run + used_in_run / run_days * days_left;
}

}  // namespace site
