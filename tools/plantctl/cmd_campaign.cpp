// `plantctl campaign run|merge`: fault campaigns over many seeds, split into
// shards for a batch engine (GNU parallel, Slurm array jobs, Kubernetes Jobs;
// docs/fault-campaigns.md), and merged into one verdict.
//
//   plantctl campaign run --config SITE --seeds 1000 --shard 3/8 --out shard-3.jsonl
//   plantctl campaign merge --seeds 1000 shard-*.jsonl
//   plantctl campaign run --config SITE --seed 417      # one seed, explained
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "fault_campaign.hpp"
#include "site/input_file.hpp"
#include "site/load.hpp"

namespace plantctl {
namespace {

struct CampaignArgs {
  std::string config, shard = "1/1", out;
  std::uint64_t first = 1, seeds = 1000, seed = 0;
  std::vector<std::string> files;
};

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "plantctl: " << message << "\n";
  throw CLI::RuntimeError(1);
}

site::Site load(const std::string& path) {
  site::LoadResult loaded = site::load_site_file(path);
  for (const auto& d : loaded.errors)
    std::cerr << d.str() << "\n";
  if (!loaded.errors.empty()) throw CLI::RuntimeError(1);
  return *loaded.site;
}

void run_cmd(const CampaignArgs& a) {
  const site::Site site = load(a.config);
  if (a.seed > 0) {  // one seed, explained: the reproduction of a failure
    std::cout << scenario::explain_seed(site, a.seed);
    if (!scenario::run_seed(site, a.seed).pass) throw CLI::RuntimeError(1);
    return;
  }
  scenario::Shard shard;
  if (!scenario::parse_shard(a.shard, shard))
    fail("--shard " + a.shard + ": give K/N with 1 <= K <= N, e.g. 3/8");
  std::unique_ptr<std::ofstream> out;
  if (!a.out.empty()) {
    out = std::make_unique<std::ofstream>(a.out);
    if (!*out) fail("cannot write " + a.out);
  }
  const std::vector<std::uint64_t> seeds = scenario::shard_seeds(a.first, a.seeds, shard);
  const auto start = std::chrono::steady_clock::now();
  int failed = 0, faults = 0;
  for (std::uint64_t seed : seeds) {
    const scenario::SeedResult r = scenario::run_seed(site, seed);
    faults += r.faults;
    if (out && !(*out << scenario::to_json_line(r) << "\n" << std::flush))
      fail("cannot write " + a.out + ": " + std::strerror(errno));
    if (!r.pass) {
      ++failed;
      std::cout << "seed " << seed << " FAILED:";
      for (const std::string& f : r.failed)
        std::cout << "\n  " << f;
      std::cout << "\n  reproduce: plantctl campaign run --config " << a.config << " --seed "
                << seed << "\n";
    }
  }
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("shard %d/%d: %zu seeds, %d faults, %d failed, %.1f s\n", shard.index, shard.count,
              seeds.size(), faults, failed, wall_s);
  if (failed > 0) throw CLI::RuntimeError(1);
}

void merge_cmd(const CampaignArgs& a) {
  std::map<std::uint64_t, scenario::SeedResult> results;
  int duplicates = 0;
  long long faults = 0;
  for (const std::string& file : a.files) {
    const site::InputText text = site::read_input_file(file, site::kCampaignFile);
    if (text.status != site::ReadStatus::kOk) fail(file + ": " + text.error);
    std::istringstream in(text.text);
    std::string line, why;
    for (int n = 1; std::getline(in, line); ++n) {
      scenario::SeedResult r;
      if (!scenario::parse_json_line(line, r, why))
        fail(file + ":" + std::to_string(n) + ": " + why);
      duplicates += results.count(r.seed) ? 1 : 0;
      faults += r.faults;
      results[r.seed] = r;
    }
  }
  std::vector<std::uint64_t> missing, failed;
  for (std::uint64_t s = a.first; s < a.first + a.seeds; ++s) {
    auto it = results.find(s);
    if (it == results.end())
      missing.push_back(s);
    else if (!it->second.pass)
      failed.push_back(s);
  }
  double nadir = 1e9;
  for (const auto& [seed, r] : results)
    nadir = std::min(nadir, r.nadir_hz);
  std::printf(
      "%zu seeds from %zu files: %zu passed, %zu failed, %zu missing, %d run twice; "
      "%lld faults; lowest frequency %.3f Hz\n",
      results.size(), a.files.size(), results.size() - failed.size(), failed.size(), missing.size(),
      duplicates, faults, results.empty() ? 0.0 : nadir);
  for (std::uint64_t s : failed)
    std::printf("  FAILED seed %llu: %s\n", static_cast<unsigned long long>(s),
                results[s].failed.empty() ? "" : results[s].failed[0].c_str());
  for (std::size_t i = 0; i < missing.size() && i < 20; ++i)
    std::printf("  missing seed %llu\n", static_cast<unsigned long long>(missing[i]));
  if (!failed.empty() || !missing.empty() || duplicates > 0) throw CLI::RuntimeError(1);
}

}  // namespace

void add_campaign_commands(CLI::App& app) {
  CLI::App* group = app.add_subcommand(
      "campaign", "Fault campaigns: random fault sequences per seed, sharded, merged");
  group->require_subcommand(1);
  auto args = std::make_shared<CampaignArgs>();
  CLI::App* run = group->add_subcommand("run", "Run a shard of a campaign's seeds (or one seed)");
  run->add_option("--config", args->config, "Site file")->required()->check(CLI::ExistingFile);
  run->add_option("--seeds", args->seeds, "Seeds in the campaign")->check(CLI::Range(1, 100000000));
  run->add_option("--first", args->first, "First seed")->check(CLI::Range(1, 1000000000));
  run->add_option("--shard", args->shard, "This shard: K/N runs every N-th seed from the K-th");
  run->add_option("--out", args->out, "Result file: one JSON line per seed");
  run->add_option("--seed", args->seed, "Run this one seed and explain it")
      ->check(CLI::Range(1, 2000000000));
  run->callback([args] { run_cmd(*args); });
  CLI::App* merge = group->add_subcommand(
      "merge", "Merge shard result files: every seed run once, every invariant held");
  merge->add_option("--seeds", args->seeds, "Seeds in the campaign")
      ->check(CLI::Range(1, 100000000));
  merge->add_option("--first", args->first, "First seed")->check(CLI::Range(1, 1000000000));
  merge->add_option("FILES", args->files, "Shard result files")->required();
  merge->callback([args] { merge_cmd(*args); });
}

}  // namespace plantctl
