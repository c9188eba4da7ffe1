#include "fault_campaign.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <sstream>

#include "json/json_string.hpp"
#include "sim/rng.hpp"

namespace scenario {

sim::Scenario random_fault_scenario(const site::Site& s, std::uint64_t seed) {
  sim::Rng rng(seed * 7919 + 1);
  sim::Scenario sc;
  sc.name = "random faults, seed " + std::to_string(seed);
  sc.file = "(generated)";
  sc.duration_s = kCampaignDurationS;
  sc.seed = seed;
  sc.initial.battery_soc_pu = rng.uniform(0.45, 0.8);
  const int running = static_cast<int>(rng.uniform(0, 5));
  for (int u = 0; u < running; ++u)
    sc.initial.turbines_online.emplace_back(u, rng.uniform(9, 16));
  auto pick = [&](int n) { return static_cast<int>(rng.uniform() * n); };
  double t = rng.uniform(30, 120);
  while (t < kCampaignDurationS - 120) {
    sim::Event e;
    e.at_s = t;
    switch (pick(8)) {
      case 0: {
        e.type = sim::EventType::kGridOutage;
        sim::Event back;
        back.type = sim::EventType::kGridReturn;
        back.at_s = t + rng.uniform(120, 400);
        sc.events.push_back(e);
        e = back;
        t = back.at_s;
        break;
      }
      case 1:
        e.type = sim::EventType::kTurbineTrip, e.target = pick(std::max(1, running));
        break;
      case 2:
        e.type = sim::EventType::kFailToStart, e.target = pick(s.turbine_count());
        break;
      case 3:
        e.type = sim::EventType::kMeasurementFreeze;
        e.name = "poi.import_mw";
        e.target = 0;  // the first point is poi.import_mw (sim/measurements.cpp)
        e.duration_s = rng.uniform(60, 300);
        break;
      case 4:
        e.type = sim::EventType::kDeviceSilent;
        e.target = 1 + s.turbine_count() + pick(s.pod_count());  // poi, units, then pods
        e.duration_s = rng.uniform(60, 300);
        break;
      case 5:
        e.type = sim::EventType::kLoadSurge;
        e.value = rng.uniform(5, 40);
        e.duration_s = rng.uniform(120, 600);
        break;
      case 6:
        e.type = sim::EventType::kFrequencyExcursion, e.value = rng.uniform(59.85, 60.15),
        e.duration_s = rng.uniform(5, 60);
        break;
      default:
        e.type = sim::EventType::kJobStop;
        e.name = "research";
        sc.events.push_back(e);
        e.type = sim::EventType::kJobStart;
        e.at_s = t + rng.uniform(60, 300);
        t = e.at_s;
        break;
    }
    sc.events.push_back(e);
    // The next fault comes after this one is over (a surge, a frozen meter, a
    // silent gateway last minutes): one contingency at a time, N-1, as designed.
    t = std::max(t, e.at_s + e.duration_s);
    t += rng.uniform(240, 420);
  }
  std::stable_sort(sc.events.begin(), sc.events.end(),
                   [](const sim::Event& a, const sim::Event& b) { return a.at_s < b.at_s; });
  return sc;
}

// Every invariant is judged, the quiet POI's (import ramp, export, the 0.1-20 Hz
// band) and the start pace among them.
bool campaign_pass(const RunResult& r) {
  for (const Invariant& i : r.invariants)
    if (!i.pass) return false;
  return true;
}

SeedResult run_seed(const site::Site& site, std::uint64_t seed) {
  const sim::Scenario sc = random_fault_scenario(site, seed);
  const RunResult r = run_scenario(sc, site, {});
  SeedResult out;
  out.seed = seed;
  out.pass = campaign_pass(r);
  out.faults = static_cast<int>(sc.events.size());
  out.nadir_hz = r.kpis.freq_nadir_hz;
  out.curtailed_mwh = r.kpis.curtailed_mwh;
  for (const Invariant& i : r.invariants)
    if (!i.pass) out.failed.push_back(i.name + ": " + i.detail);
  return out;
}

std::string explain_seed(const site::Site& site, std::uint64_t seed) {
  const sim::Scenario sc = random_fault_scenario(site, seed);
  const RunResult r = run_scenario(sc, site, {});
  std::ostringstream why;
  why << "seed " << seed << (campaign_pass(r) ? ": every invariant holds" : ": breaks an invariant")
      << "; battery at " << sc.initial.battery_soc_pu.value_or(0) << ", "
      << sc.initial.turbines_online.size() << " units online; events:";
  for (const sim::Event& e : sc.events)
    why << "\n  t=" << e.at_s << " " << sim::to_string(e.type) << " target=" << e.target
        << " value=" << e.value << " duration=" << e.duration_s;
  for (const Invariant& i : r.invariants)
    why << "\n  " << (i.pass ? "pass " : "FAIL ") << i.name << ": " << i.detail;
  why << "\nwhat the controller did:";
  for (const std::string& line : r.log)
    if (line.find("scenario event") == std::string::npos) why << "\n  " << line;
  return why.str() + "\n";
}

std::string to_json_line(const SeedResult& r) {
  char head[160];
  std::snprintf(head, sizeof head,
                "{\"seed\":%" PRIu64
                ",\"pass\":%s,\"faults\":%d,\"nadir_hz\":%.4f,"
                "\"curtailed_mwh\":%.4f,\"failed\":[",
                r.seed, r.pass ? "true" : "false", r.faults, r.nadir_hz, r.curtailed_mwh);
  std::string line = head;
  for (std::size_t i = 0; i < r.failed.size(); ++i)
    line += (i ? "," : "") + json::quote(r.failed[i]);
  return line + "]}";
}

// The few fields the merge needs, from a line to_json_line wrote.
bool parse_json_line(const std::string& line, SeedResult& out, std::string& why) {
  unsigned long long seed = 0;
  char pass[6] = {};
  int faults = 0;
  double nadir = 0, curtailed = 0;
  if (std::sscanf(line.c_str(),
                  "{\"seed\":%llu,\"pass\":%5[a-z],\"faults\":%d,\"nadir_hz\":%lf,"
                  "\"curtailed_mwh\":%lf,",
                  &seed, pass, &faults, &nadir, &curtailed) != 5)
    return why = "not a campaign result line", false;
  const std::string p = pass;
  if (p != "true" && p != "false") return why = "\"pass\" is neither true nor false", false;
  out = SeedResult{};
  out.seed = seed;
  out.pass = p == "true";
  out.faults = faults;
  out.nadir_hz = nadir;
  out.curtailed_mwh = curtailed;
  const std::size_t at = line.find("\"failed\":[");
  if (at == std::string::npos) return why = "no \"failed\" list", false;
  if (!out.pass) out.failed.push_back(line.substr(at + 10, line.size() - at - 12));
  return true;
}

bool parse_shard(const std::string& text, Shard& out) {
  int k = 0, n = 0;
  char extra = 0;
  if (std::sscanf(text.c_str(), "%d/%d%c", &k, &n, &extra) != 2 || n < 1 || k < 1 || k > n)
    return false;
  out = {k, n};
  return true;
}

std::vector<std::uint64_t> shard_seeds(std::uint64_t first, std::uint64_t seeds, Shard shard) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t i = static_cast<std::uint64_t>(shard.index - 1); i < seeds;
       i += static_cast<std::uint64_t>(shard.count))
    out.push_back(first + i);
  return out;
}

}  // namespace scenario
