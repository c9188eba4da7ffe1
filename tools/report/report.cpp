#include "report.hpp"

#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace report {

namespace {

std::string html_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else
      out += c;
  }
  return out;
}

std::string fixed(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// One plot per file; every plot marks the scenario's events as dashed lines.
std::string gnuplot_script(const sim::Scenario& scenario, const site::Site& site) {
  std::ostringstream g;
  g << "# Drawn by `gnuplot plots.gp` in this directory, from series.csv.\n"
       "set datafile separator ','\n"
       "set terminal pngcairo size 1100,380 font ',10' noenhanced\n"
       "set key outside right top autotitle columnhead\n"
       "set grid\n"
       "set tmargin 4\n"  // room above the plot for the event numbers
       "set xlabel 'time (s)'\n";
  // Events as dashed lines, numbered as the page lists them (names would overlap).
  for (std::size_t i = 0; i < scenario.events.size(); ++i) {
    const double at_s = scenario.events[i].at_s;
    g << "set arrow from " << at_s << ", graph 0 to " << at_s
      << ", graph 1 nohead dashtype 2 linecolor rgb 'gray40'\n"
      << "set label '" << i + 1 << "' at " << at_s << ", graph " << (i % 2 ? 1.08 : 1.03)
      << " center font ',8' textcolor rgb 'gray30'\n";
  }
  g << "set output 'import.png'\nset ylabel 'MW'\nset title 'Grid import and the contract' offset "
       "0,1\n"
       "plot 'series.csv' using 'time_s':'import_mw' with lines linewidth 1.5 title 'import', "
    << site.grid.import_contract_mw
    << " title 'contract' with lines dashtype 3 linewidth 2 linecolor rgb 'red'\n";
  g << "set output 'turbines.png'\nset title 'Turbine outputs' offset 0,1\n"
       "plot for [u=0:"
    << site.turbine_count() - 1
    << "] 'series.csv' using 'time_s':(column(sprintf('unit_%d_mw', u))) with lines "
       "title sprintf('unit %d', u)\n";
  g << "set output 'gpu.png'\nset title 'GPU load (solid) and caps in force (dashed), by class' "
       "offset 0,1\n"
       "plot for [c in 'inference training batch'] 'series.csv' using 'time_s':'it_'.c.'_mw' "
       "with lines linewidth 1.5 title c.' load', "
       "for [c in 'inference training batch'] 'series.csv' using 'time_s':'cap_'.c.'_mw' "
       "with lines dashtype 2 title c.' caps'\n";
  g << "set output 'frequency.png'\nset ylabel 'Hz'\nset title 'Frequency' offset 0,1\n"
       "plot 'series.csv' using 'time_s':'frequency_hz' with lines linewidth 1.5 title "
       "'frequency'\n";
  g << "set output 'battery.png'\nset ylabel 'state of charge (pu)'\nset y2label 'MW'\n"
       "set ytics nomirror\nset y2tics\nset title 'Battery' offset 0,1\n"
       "plot 'series.csv' using 'time_s':'battery_soc_pu' with lines linewidth 1.5 title 'state of "
       "charge', 'series.csv' using 'time_s':'battery_mw' axes x1y2 with lines title 'power'\n";
  return g.str();
}

std::string html_page(const sim::RunReport& r, const sim::Scenario& scenario) {
  const sim::Kpis& k = r.kpis;
  std::ostringstream h;
  h << "<!doctype html>\n<html><head><meta charset='utf-8'><title>" << html_escape(r.scenario)
    << "</title>\n<style>body{font-family:sans-serif;max-width:1150px;margin:auto}"
       "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:3px 8px}"
       ".fail{color:#b00;font-weight:bold}.pass{color:#070}</style></head><body>\n";
  h << "<h1>" << html_escape(r.scenario) << "</h1>\n<p>Site " << html_escape(r.site)
    << ", controller " << site::to_string(r.controller) << ", " << fixed(r.duration_s, 0)
    << " s of virtual time. Scenario file: " << html_escape(scenario.file) << ".</p>\n";
  h << "<h2>Key figures</h2>\n<table>\n";
  const std::pair<const char*, std::string> rows[] = {
      {"curtailed GPU energy",
       fixed(k.curtailed_mwh, 3) + " MWh (" + fixed(k.curtailed_pct, 3) + " %)"},
      {"time above the contract", fixed(k.contract_violation_s, 2) + " s (longest " +
                                      fixed(k.contract_violation_max_run_s, 2) + " s)"},
      {"frequency",
       fixed(k.freq_nadir_hz, 3) + " Hz nadir, " + fixed(k.freq_peak_hz, 3) + " Hz peak"},
      {"largest import ramp", fixed(k.import_ramp_max_mw_per_min, 2) + " MW/min"},
      {"turbine starts", std::to_string(k.turbine_starts)},
      {"permit year", std::to_string(k.starts_in_year) + " starts (" + fixed(k.starts_allowed, 1) +
                          " allowed by the pace, " + std::to_string(k.starts_beyond_pace) +
                          " beyond it); at this run's pace " + fixed(k.starts_projected, 0) +
                          " starts and " + fixed(k.nox_projected_short_tons, 1) +
                          " short tons of NOx a year"},
      {"fuel, CO2, NOx",
       fixed(k.fuel_mmbtu, 0) + " MMBtu, " + fixed(k.co2_t, 1) + " t, " + fixed(k.nox_t, 3) + " t"},
      {"smoothing cost", fixed(k.smoothing_mwh, 3) + " MWh"},
      {"unserved energy, blackout",
       fixed(k.unserved_mwh, 3) + " MWh, " + fixed(k.blackout_s, 1) + " s"},
      {"ride-through", std::to_string(k.max_pods_on_ups) + " pods on UPS at most, " +
                           fixed(k.ups_mwh, 3) + " MWh from UPS"},
      {"cold load", std::to_string(k.max_dark_pods) + " pods dark at most, " +
                        fixed(k.lost_it_mwh, 3) + " MWh of their work lost"},
  };
  for (const auto& [name, value] : rows)
    h << "<tr><th>" << name << "</th><td>" << value << "</td></tr>\n";
  if (r.bound_mwh >= 0) {
    const double g = sim::regret(r.not_delivered_mwh(), r.bound_mwh);
    h << "<tr><th>GPU energy not delivered, perfect-foresight bound</th><td>"
      << fixed(r.not_delivered_mwh(), 3) << " MWh, bound " << fixed(r.bound_mwh, 3)
      << " MWh, regret " << (std::isfinite(g) ? fixed(g, 2) : std::string("infinite")) << " ("
      << (sim::within_bound_target(r.not_delivered_mwh(), r.bound_mwh) ? "within" : "above")
      << " 1.1x the bound + 0.5 MWh; docs/bound.md)</td></tr>\n";
  }
  h << "</table>\n<h2>Invariants</h2>\n<table>\n";
  for (const sim::Invariant& i : r.invariants)
    h << "<tr><td class='" << (i.pass ? "pass'>PASS" : "fail'>FAIL") << "</td><th>"
      << html_escape(i.name) << "</th><td>" << html_escape(i.detail) << "</td></tr>\n";
  h << "</table>\n<h2>Events</h2>\n<p>Numbered as the plots mark them.</p>\n<ol>\n";
  for (const sim::Event& e : scenario.events)
    h << "<li>" << fixed(e.at_s, 1) << " s: " << sim::to_string(e.type) << "</li>\n";
  h << "</ol>\n<h2>Plots</h2>\n";
  for (const char* png : {"import", "turbines", "gpu", "frequency", "battery"})
    h << "<p><img src='" << png << ".png' alt='" << png << "'></p>\n";
  h << "<p>Data: <a href='series.csv'>series.csv</a>; plots: <a href='plots.gp'>plots.gp</a>.</p>\n"
       "</body></html>\n";
  return h.str();
}

bool write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.close();
  return static_cast<bool>(out);
}

}  // namespace

std::string write_report(const sim::RunReport& run, const sim::Scenario& scenario,
                         const site::Site& site, const std::string& dir) {
  if (run.csv.empty()) return "the run has no time series to plot";
  if (dir.find('\'') != std::string::npos) return "the report directory's name has a quote: " + dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return "cannot make " + dir + ": " + ec.message();
  const std::filesystem::path d(dir);
  if (!write_file(d / "series.csv", run.csv) ||
      !write_file(d / "plots.gp", gnuplot_script(scenario, site)) ||
      !write_file(d / "index.html", html_page(run, scenario)))
    return "cannot write into " + dir;
  // gnuplot runs in the report's directory, so the script names files as they lie.
  const std::string command = "cd '" + d.string() + "' && gnuplot plots.gp 2> gnuplot.log";
  const int status = std::system(command.c_str());
  if (status != 0)
    return "gnuplot failed (exit " + std::to_string(WEXITSTATUS(status)) + "); see " +
           (d / "gnuplot.log").string();
  return "";
}

}  // namespace report
