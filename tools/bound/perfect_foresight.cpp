#include "perfect_foresight.hpp"

#include <glpk.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace bound {
namespace {

constexpr double kSecondsPerHour = 3600.0;
// Facility load no source can carry is not a choice: it costs far more than IT.
constexpr double kUnservedOtherWeight = 1000.0;
constexpr int kMaxIntervals = 20000;

// Columns of interval k, in this order: IT shed, unserved other load, import, units,
// battery charge, battery discharge, battery energy at the interval's end.
enum Column { kShed, kUnserved, kImport, kUnits, kCharge, kDischarge, kEnergy, kColumns };

int column(size_t k, Column c) {
  return static_cast<int>(k) * kColumns + c + 1;
}

// A sparse matrix in GLPK's 1-based triplets.
struct Triplets {
  std::vector<int> rows{0}, cols{0};
  std::vector<double> values{0};
  void add(int row, int col, double value) {
    rows.push_back(row);
    cols.push_back(col);
    values.push_back(value);
  }
};

class Lp {
 public:
  Lp() : lp_(glp_create_prob()) { glp_set_obj_dir(lp_, GLP_MIN); }
  ~Lp() { glp_delete_prob(lp_); }
  Lp(const Lp&) = delete;
  Lp& operator=(const Lp&) = delete;
  glp_prob* get() { return lp_; }

  void bound_column(int col, double lo, double hi, double cost) {
    glp_set_col_bnds(lp_, col, hi > lo ? GLP_DB : GLP_FX, lo, std::max(lo, hi));
    glp_set_obj_coef(lp_, col, cost);
  }
  int add_row(int type, double lo, double hi) {
    const int row = glp_add_rows(lp_, 1);
    glp_set_row_bnds(lp_, row, type, lo, hi);
    return row;
  }

 private:
  glp_prob* lp_;
};

void add_columns(Lp& lp, const DemandTrace& d, const SupplyEnvelope& s, const SiteLimits& l) {
  const size_t n = d.it_mw.size();
  const double h = d.interval_s / kSecondsPerHour;
  const double big = std::numeric_limits<double>::max();
  glp_add_cols(lp.get(), static_cast<int>(n) * kColumns);
  for (size_t k = 0; k < n; ++k) {
    lp.bound_column(column(k, kShed), 0, d.it_mw[k], h);
    glp_set_col_bnds(lp.get(), column(k, kUnserved), GLP_LO, 0, big);
    glp_set_obj_coef(lp.get(), column(k, kUnserved), kUnservedOtherWeight * h);
    lp.bound_column(column(k, kImport), 0, l.contract_mw * s.grid_share[k], 0);
    lp.bound_column(column(k, kUnits), 0, std::min(s.units_cap_mw[k], s.units_max_mw), 0);
    lp.bound_column(column(k, kCharge), 0, l.battery_mw, 0);
    lp.bound_column(column(k, kDischarge), 0, l.battery_mw, 0);
    lp.bound_column(column(k, kEnergy), std::min(l.battery_min_mwh, l.battery_start_mwh),
                    std::max(l.battery_max_mwh, l.battery_start_mwh), 0);
  }
}

// Sources meet the load: import + units + discharge - charge >= a (IT - shed) + other,
// with unserved other load as the last resort.
void add_balance(Lp& lp, Triplets& m, const DemandTrace& d, const SiteLimits& l) {
  for (size_t k = 0; k < d.it_mw.size(); ++k) {
    const double need = l.load_per_it_mw * d.it_mw[k] + d.other_mw[k];
    const int row = lp.add_row(GLP_LO, need, 0);
    m.add(row, column(k, kImport), 1);
    m.add(row, column(k, kUnits), 1);
    m.add(row, column(k, kDischarge), 1);
    m.add(row, column(k, kCharge), -1);
    m.add(row, column(k, kShed), l.load_per_it_mw);
    m.add(row, column(k, kUnserved), 1);
  }
}

// The battery's energy: e_k = e_(k-1) + h (eta charge - discharge / eta).
void add_battery(Lp& lp, Triplets& m, const DemandTrace& d, const SiteLimits& l) {
  const double h = d.interval_s / kSecondsPerHour;
  const double eta = l.battery_one_way_efficiency;
  for (size_t k = 0; k < d.it_mw.size(); ++k) {
    const double start = k == 0 ? l.battery_start_mwh : 0;
    const int row = lp.add_row(GLP_FX, start, start);
    m.add(row, column(k, kEnergy), 1);
    if (k > 0) m.add(row, column(k - 1, kEnergy), -1);
    m.add(row, column(k, kCharge), -h * eta);
    m.add(row, column(k, kDischarge), h / eta);
  }
}

void add_unit_ramps(Lp& lp, Triplets& m, const DemandTrace& d, const SupplyEnvelope& s) {
  for (size_t k = 1; k < d.it_mw.size(); ++k) {
    const int row = lp.add_row(GLP_UP, 0, s.units_ramp_mw[k]);
    m.add(row, column(k, kUnits), 1);
    m.add(row, column(k - 1, kUnits), -1);
  }
}

void add_nox_cap(Lp& lp, Triplets& m, const DemandTrace& d, const SupplyEnvelope& s) {
  if (s.nox_left_kg < 0 || s.nox_kg_per_mwh <= 0) return;
  const double h = d.interval_s / kSecondsPerHour;
  const int row = lp.add_row(GLP_UP, 0, s.nox_left_kg);
  for (size_t k = 0; k < d.it_mw.size(); ++k)
    m.add(row, column(k, kUnits), s.nox_kg_per_mwh * h);
}

// The utility's limit on the 10 s mean import over any 60 s, between intervals with
// the grid there throughout: a mean over h changes by at most the limit times the
// whole minutes it spans; below a minute, intervals a minute apart.
void add_import_ramp(Lp& lp, Triplets& m, const DemandTrace& d, const SupplyEnvelope& s,
                     const SiteLimits& l) {
  if (l.import_ramp_mw_per_min <= 0) return;
  const double h = d.interval_s;
  const auto lag = static_cast<size_t>(h >= 60 ? 1 : std::llround(60.0 / h));
  const double limit = l.import_ramp_mw_per_min * (h >= 60 ? std::ceil(h / 60.0) : 1.0);
  for (size_t k = lag; k < d.it_mw.size(); ++k) {
    bool connected = true;
    for (size_t j = k - lag; j <= k; ++j)
      connected &= s.grid_share[j] >= 1.0;
    if (!connected) continue;
    const int row = lp.add_row(GLP_DB, -limit, limit);
    m.add(row, column(k, kImport), 1);
    m.add(row, column(k - lag, kImport), -1);
  }
}

}  // namespace

double default_interval_s(double duration_s) {
  double h = 10;
  while (duration_s / h > kMaxIntervals)
    h += 10;
  return h;
}

SiteLimits site_limits(const sim::Scenario& scenario, const site::Site& site) {
  SiteLimits l;
  l.contract_mw = site.grid.import_contract_mw;
  l.import_ramp_mw_per_min = site.grid.import_ramp_limit_mw_per_min;
  // Cooling follows IT with a lag; taking it as instant lets the bound shed it at once.
  l.load_per_it_mw = 1 + site.facility.conversion_loss_pu + site.facility.cooling_pu;
  if (site.has_battery) {
    const site::Battery& b = site.battery;
    l.battery_mw = b.power_mw;
    l.battery_min_mwh = b.soc_min_pu * b.energy_mwh;
    l.battery_max_mwh = b.soc_max_pu * b.energy_mwh;
    l.battery_start_mwh = scenario.initial.battery_soc_pu.value_or(b.initial_soc_pu) * b.energy_mwh;
    l.battery_one_way_efficiency = std::sqrt(b.round_trip_efficiency_pu);
  }
  return l;
}

BoundResult solve_bound(const DemandTrace& demand, const SupplyEnvelope& supply,
                        const SiteLimits& limits, bool hold_import_ramp) {
  BoundResult r;
  r.interval_s = demand.interval_s;
  r.intervals = static_cast<int>(demand.it_mw.size());
  if (demand.it_mw.empty()) return r.solved = true, r;
  glp_term_out(GLP_OFF);
  Lp lp;
  Triplets m;
  add_columns(lp, demand, supply, limits);
  add_balance(lp, m, demand, limits);
  add_battery(lp, m, demand, limits);
  add_unit_ramps(lp, m, demand, supply);
  add_nox_cap(lp, m, demand, supply);
  if (hold_import_ramp) add_import_ramp(lp, m, demand, supply, limits);
  glp_load_matrix(lp.get(), static_cast<int>(m.values.size()) - 1, m.rows.data(), m.cols.data(),
                  m.values.data());
  glp_smcp parm;
  glp_init_smcp(&parm);
  parm.presolve = GLP_ON;
  parm.msg_lev = GLP_MSG_OFF;
  const int code = glp_simplex(lp.get(), &parm);
  if (code != 0 || glp_get_status(lp.get()) != GLP_OPT) {
    r.problem = "GLPK found no optimum (glp_simplex returned " + std::to_string(code) +
                ", status " + std::to_string(glp_get_status(lp.get())) + ")";
    return r;
  }
  const double h = demand.interval_s / kSecondsPerHour;
  for (size_t k = 0; k < demand.it_mw.size(); ++k) {
    r.not_delivered_mwh += glp_get_col_prim(lp.get(), column(k, kShed)) * h;
    r.unserved_other_mwh += glp_get_col_prim(lp.get(), column(k, kUnserved)) * h;
    r.it_demand_mwh += demand.it_mw[k] * h;
  }
  r.solved = true;
  return r;
}

BoundResult perfect_foresight_bound(const sim::Scenario& scenario, const site::Site& site,
                                    const BoundOptions& options) {
  const double h =
      options.interval_s > 0 ? options.interval_s : default_interval_s(scenario.duration_s);
  const DemandTrace demand = record_demand(scenario, site, h);
  const SupplyEnvelope supply =
      supply_envelope(scenario, site, h, static_cast<int>(demand.it_mw.size()));
  return solve_bound(demand, supply, site_limits(scenario, site), options.hold_import_ramp);
}

}  // namespace bound
