// A turbine group's fuel curve and NOx factors: one place for the simulator's
// units and the controller's permit accounting (docs/configuration.md gives the
// sources of the shape and of the defaults).
#pragma once

#include "site/site.hpp"

namespace site {

// Fuel at full load, MMBtu per hour: rating x full-load heat rate.
double full_load_fuel_mmbtu_per_h(const TurbineGroup& g);

// Fuel at load p (pu of rating, clamped to [0, 1]), of full-load fuel:
// F(p) = nl + b p + c p^2 through F(0) = nl (no_load_fuel_pu), F(1) = 1 and the
// half-load heat rate r (heat_rate_half_load_pu): 2 F(0.5) = r, so
// c = 2 (1 + nl - r) and b = 1 - nl - c. r = 1 + nl is the straight line.
double fuel_pu_at_load(const TurbineGroup& g, double load_pu);

// NOx per MMBtu of fuel from a stack concentration at 15 % O2, dry (40 CFR 60
// Appendix A, Method 19, F-factor method: natural gas Fd = 8,710 dscf/MMBtu).
double nox_kg_per_mmbtu_from_ppm(double nox_ppm);

// The combustor's NOx at a load: nox_ppm in its low-NOx range (at or above
// low_nox_min_load_pu, within the online tolerance), part_load_nox_ppm below it
// and while the unit starts (diffusion flame until it is online).
double nox_ppm_at_load(const TurbineGroup& g, double load_pu, bool starting);

// Fuel and NOx of one start: ignition to synchronisation at no-load fuel, and the
// ramp from no load to minimum stable load, in the start-up (part-load) mode.
double start_fuel_mmbtu(const TurbineGroup& g);
double start_nox_kg(const TurbineGroup& g);

}  // namespace site
