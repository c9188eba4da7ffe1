// `plantctl bench [--json OUT] [--only GROUPS] [--quick]`: every figure of
// docs/performance.md measured in one run on this machine, printed with its unit
// and, where it compares, the ratio from the same run.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "bench.hpp"
#include "commands.hpp"
#include "site/load.hpp"

namespace plantctl {
namespace {

struct BenchArgs {
  std::string json;
  std::vector<std::string> only;
  bool quick = false;
  std::string plantsim = PLANTSIM_PATH, select_server = SELECT_SERVER_PATH;
};

const std::vector<std::string> kGroups = {"simulator", "controller",  "poll",
                                          "servers",   "contingency", "suite"};

site::Site load(const std::string& path) {
  site::LoadResult loaded = site::load_site_file(path);
  if (!loaded.site) {
    for (const auto& d : loaded.errors)
      std::cerr << d.str() << "\n";
    throw CLI::RuntimeError(1);
  }
  return *loaded.site;
}

void run(const BenchArgs& a) {
  bench::Options o;
  o.source_dir = PLANT_SOURCE_DIR;
  o.plantsim_path = a.plantsim;
  o.select_server_path = a.select_server;
  o.quick = a.quick;
  o.allocations = alloc_counter::allocations;
  const std::set<std::string> only(a.only.begin(), a.only.end());
  auto wanted = [&](const std::string& g) { return only.empty() || only.count(g) > 0; };
  // Three sizes, for how each cost grows: 100 pods, 300 (the 1M preset scaled
  // down), 1,000.
  const site::Site small = load(o.source_dir + "/config/colossus-100k.toml");
  const site::Site large = load(o.source_dir + "/config/colossus-1m.toml");
  const std::vector<site::Site> sizes = {small, bench::scaled_site(large, 300), large};
  bench::Figures all;
  auto take = [&](const bench::Figures& f) {
    std::fputs(bench::to_text(f).c_str(), stdout);
    std::fflush(stdout);
    all.insert(all.end(), f.begin(), f.end());
  };
  const std::string machine = bench::machine_description();
  std::printf("plantctl bench on %s%s\n", machine.c_str(), a.quick ? " (quick: not figures)" : "");
  auto at_each_size = [&](bench::Figures (*measure)(const site::Site&, const bench::Options&)) {
    bench::Figures f;
    for (const site::Site& s : sizes) {
      const bench::Figures one = measure(s, o);
      f.insert(f.end(), one.begin(), one.end());
    }
    take(f);
  };
  if (wanted("simulator")) at_each_size(bench::simulator);
  if (wanted("controller")) at_each_size(bench::controller_step);
  if (wanted("poll")) at_each_size(bench::poll_cycle);
  if (wanted("servers")) take(bench::servers(o));
  if (wanted("contingency")) take(bench::contingency(o));
  if (wanted("suite")) take(bench::scenario_suite(o));
  if (!a.json.empty()) {
    std::ofstream out(a.json);
    out << bench::to_json(all, machine);
    out.close();
    if (!out) {
      std::cerr << "plantctl: cannot write " << a.json << ": " << std::strerror(errno) << "\n";
      throw CLI::RuntimeError(1);
    }
  }
}

}  // namespace

void add_bench_commands(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Measure the simulator, the controller, Modbus and the scenario suite (minutes)");
  cmd->add_option("--json", args->json, "Also write every figure as JSON");
  cmd->add_option("--only", args->only, "Only these groups")
      ->check(CLI::IsMember(kGroups))
      ->delimiter(',');
  cmd->add_flag("--quick", args->quick, "Short runs: checks that everything runs; not figures");
  cmd->add_option("--plantsim", args->plantsim, "plantsim executable, for the server comparison")
      ->check(CLI::ExistingFile);
  cmd->add_option("--select-server", args->select_server,
                  "The minimal select-loop libmodbus server (plant_select_server)")
      ->check(CLI::ExistingFile);
  cmd->callback([args] { run(*args); });
}

}  // namespace plantctl
