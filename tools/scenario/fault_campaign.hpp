// Fault campaigns: random sequences of credible faults on a site, one scenario
// per seed, run in virtual time and judged by the scenario invariants. A seed
// reproduces its scenario exactly, so a failure is reported as its seed.
//
// Seeds are split into shards for a batch engine: shard K of N runs the seeds
// first + i for every i with i % N == K - 1, and writes one result file; the
// merge checks that every seed was run exactly once (docs/fault-campaigns.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scenario_run.hpp"
#include "sim/scenario.hpp"
#include "site/site.hpp"

namespace scenario {

constexpr double kCampaignDurationS = 1200;

// One fault at a time, each starting four to seven minutes after the last one
// is over: the credible (N-1) contingencies the site is designed for (grid
// outage and return, unit trip, fail to start, frozen meter, silent pod
// gateway, load surge, frequency excursion, job stop and start).
sim::Scenario random_fault_scenario(const site::Site& site, std::uint64_t seed);

struct SeedResult {
  std::uint64_t seed = 0;
  bool pass = false;
  int faults = 0;  // events in its scenario
  double nadir_hz = 0, curtailed_mwh = 0;
  std::vector<std::string> failed;  // "invariant: detail"
};

SeedResult run_seed(const site::Site& site, std::uint64_t seed);
// The scenario, the broken invariants and what the controller did: for a human.
std::string explain_seed(const site::Site& site, std::uint64_t seed);

// One result per line (JSON), for the shard files.
std::string to_json_line(const SeedResult& r);
// Parses a line of a shard file; false (with why) when it is not one.
bool parse_json_line(const std::string& line, SeedResult& out, std::string& why);

struct Shard {
  int index = 1, count = 1;  // K of N, 1-based
};
// "K/N" with 1 <= K <= N; false when it is not.
bool parse_shard(const std::string& text, Shard& out);
// The seeds of a shard, in order.
std::vector<std::uint64_t> shard_seeds(std::uint64_t first, std::uint64_t seeds, Shard shard);

}  // namespace scenario
