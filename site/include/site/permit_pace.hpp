// The permit's year, paced: the rule the controller starts units by, the run
// monitor judges and the reports project with (docs/configuration.md, [permit]).
//
// The year's starts are a fleet budget (each unit's starts_per_unit_per_year
// summed). Each day of the permit year releases its share (budget / 365) at the
// day's start; what a day does not use carries over, and a day may draw
// [controller] start_pace_credit_days of shares ahead. A start the grid does not
// force (the site connected) is made only within that allowance; a start an
// island or a dead bus needs is never held by the pace, and counts in it.
#pragma once

#include "site/site.hpp"

namespace site {

constexpr double kPermitYearDays = 365;
constexpr double kSecondsPerDay = 86400;

// Every unit's yearly starts, summed.
int fleet_start_budget(const Site& site);

// Starts the pace allows by `year_day` (days elapsed of the permit year, from 0),
// counted from the year's start: never more than the budget.
double starts_allowed_by(const Site& site, double year_day);

// The permit year's usage carried to its end at a run's pace: what was used before
// the run, plus what the run used scaled from its days to the days left after it.
double projected_at_year_end(double used_before, double used_in_run, double run_days,
                             double year_day_at_end);

}  // namespace site
