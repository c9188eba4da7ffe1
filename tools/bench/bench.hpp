// The measurements behind `plantctl bench` (docs/performance.md): each returns
// figures with their units, and a ratio where the figure compares two things
// measured in the same run. Speed is measured and reported here, never asserted.
#pragma once

#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "site/site.hpp"

namespace bench {

struct Figure {
  Figure(std::string g, std::string n, double v, std::string u, double r = std::nan(""),
         std::string r_of = "")
      : group(std::move(g)),
        name(std::move(n)),
        value(v),
        unit(std::move(u)),
        ratio(r),
        ratio_of(std::move(r_of)) {}
  std::string group;  // "simulator", "controller", "modbus poll", ...
  std::string name;   // what was measured, with its conditions
  double value;
  std::string unit;
  // Where it compares: value / the other's value, and what the other is.
  double ratio;
  std::string ratio_of;
};
using Figures = std::vector<Figure>;

struct Options {
  std::string source_dir;          // for config/ and scenarios/
  std::string plantsim_path;       // for the server comparison
  std::string select_server_path;  // the minimal select-loop libmodbus server
  std::string python = "/usr/bin/python3";
  bool quick = false;  // fewer repeats and shorter runs: a smoke test, not figures
  // The process's heap allocations so far (a counting operator new in the
  // executable); empty: allocations are not counted.
  std::function<long()> allocations;
};

// A copy of `s` with its pod groups scaled to `pods` pods in all (for how costs
// grow with size); turbines, battery and contract scaled alike.
site::Site scaled_site(const site::Site& s, int pods);

// Each measurement: the figures, or an exception with what went wrong.
Figures simulator(const site::Site& s, const Options& o);
Figures controller_step(const site::Site& s, const Options& o);
Figures poll_cycle(const site::Site& s, const Options& o);
Figures servers(const Options& o);
Figures contingency(const Options& o);
Figures scenario_suite(const Options& o);

// Medians and percentiles of samples (sorted copies).
double percentile(std::vector<double> samples, double q);

std::string to_json(const Figures& figures, const std::string& machine);
std::string to_text(const Figures& figures);
// "Linux 6.1, 2 CPUs (model), 7.7 GiB": where the figures were measured.
std::string machine_description();

}  // namespace bench
