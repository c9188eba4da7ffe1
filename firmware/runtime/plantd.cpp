// plantd: the controller as a running program. A scan every scan_period_s on
// absolute deadlines (scan/scan_cycle.hpp: read -> role -> step -> persist ->
// write -> publish), with overruns counted, transitions and device faults logged
// through spdlog, and a clean stop on SIGINT/SIGTERM that leaves the plant as it
// is (units under their own governors, caps holding their values).
//
// Backends: the devices the site file names, over Modbus TCP (the default), or
// the in-process simulator (--sim): then the plant advances one scan period of
// virtual time per scan, and scans come every period / --speed of wall time.
// Over Modbus, --speed N runs the controller's clock N times the wall clock, for
// a bench or CI whose plantsim serves at the same speed.
//
// With a [scada] table (or --scada-port), plantd also serves its own Modbus TCP
// map to SCADA and HMIs on the same io_context, between scans (docs/operations.md).
#include <asio.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <memory>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "event_journal.hpp"
#include "finite_range.hpp"
#include "fw/controller.hpp"
#include "modbus_io.hpp"
#include "realtime.hpp"
#include "refusal_audit.hpp"
#include "scada_service.hpp"
#include "scan_cycle.hpp"
#include "scan_publishers.hpp"
#include "service_notify.hpp"
#include "sim/plant.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_player.hpp"
#include "sim_io.hpp"
#include "site/load.hpp"
#include "standby_node.hpp"
#include "state_keeper.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string config, scenario, log_level = "info", host, event_log, refusal_log, state_file;
  double save_interval_s = 10;
  bool init_state = false;
  double event_log_max_mb = 10;
  int event_log_files = 5;
  bool sim = false, check_config = false;
  double speed = 1.0, duration_s = 0;
  int port = 0, scada_port = 0;
  int realtime_priority = 0;  // 0: ordinary scheduling
  std::string node;           // "a" or "b" of a hot-standby pair
  double status_every_s = 10;
};

// What the scan loop reports to beyond its log: the event journal (when asked
// for) and systemd; and where it serves SCADA (port 0: not served).
struct Service {
  runtime::EventJournal* journal = nullptr;
  runtime::ServiceNotifier notifier;
  int scada_port = 0;
  std::string state_file;  // empty: counters are not kept across runs
  double save_interval_s = 10;
  char node = 0;  // 'a' or 'b' of a hot-standby pair; 0: a single controller
};

int scada_port(const Options& o, const site::Site& site) {
  if (o.scada_port > 0) return o.scada_port;
  return site.scada.enabled ? site.scada.port : 0;
}

// What a backend adds to the scan loop: the controller time of scan n (which
// moves a simulated plant along to it), and its own fault lines.
struct Backend {
  hal::PlantIo* io = nullptr;
  double period_wall_s = 0;
  std::function<double(long long)> clock;
  std::function<const std::vector<std::string>*()> faults;
  std::function<void()> clear_faults;
};

// The counters to start the controller with: the state file's, or zero.
std::unique_ptr<runtime::StateKeeper> open_state(const site::Site& site, Service& service,
                                                 fw::PermitUsage& usage,
                                                 runtime::ShellCounters& counters) {
  if (service.state_file.empty()) {
    spdlog::warn("plantd: no --state-file: permit counters start from zero and are not kept");
    return nullptr;
  }
  auto keeper = std::make_unique<runtime::StateKeeper>(service.state_file, site,
                                                       service.save_interval_s, service.journal);
  const runtime::StateLoad& loaded = keeper->restore();
  usage = loaded.state.usage;
  counters.curtailed_mwh = loaded.state.curtailed_mwh;
  return keeper;
}

// Seconds since the permit year began ([permit] year_start, midnight UTC) on the
// wall clock: the controller's own clock starts at 0 with its first scan.
double permit_year_elapsed_s(const site::Permit& permit) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::tm start{};
  start.tm_year = utc.tm_year;
  start.tm_mon = permit.year_start_month - 1;
  start.tm_mday = permit.year_start_day;
  std::time_t began = timegm(&start);
  if (began > now) {  // this year's start is still to come: the year began last year
    --start.tm_year;
    began = timegm(&start);
  }
  return std::difftime(now, began);
}

// The scan loop, whatever the backend: sets up the parts, scans until a signal
// or --duration-s, and logs the totals.
int scan_loop(const site::Site& site, const Backend& backend, double duration_s,
              double status_every_s, Service& service) {
  runtime::ShellCounters counters;
  fw::PermitUsage usage;
  std::unique_ptr<runtime::StateKeeper> keeper = open_state(site, service, usage, counters);
  usage.year_elapsed_s = permit_year_elapsed_s(site.permit);
  fw::Controller controller(site, usage);
  asio::io_context loop;
  runtime::RefusalAudit refusals(service.journal);

  std::unique_ptr<runtime::ScadaService> scada;
  std::unique_ptr<runtime::StandbyNode> pair;
  try {
    if (service.scada_port > 0)
      scada = std::make_unique<runtime::ScadaService>(site, controller, loop, service.scada_port,
                                                      service.journal, refusals);
    if (service.node != 0) {
      pair = std::make_unique<runtime::StandbyNode>(loop, site, service.node);
      pair->log_start(service.node);
    }
  } catch (const std::exception& e) {
    spdlog::error("plantd: {}", e.what());
    return 1;
  }
  // The operator's settings: SCADA's, or without SCADA the defaults (which a
  // standby still takes from its active peer).
  runtime::OperatorSettings standalone = runtime::initial_settings(site);

  runtime::LogPublisher log(site.controller.scan_period_s, status_every_s, pair.get());
  std::unique_ptr<runtime::JournalPublisher> journal;
  if (service.journal) journal = std::make_unique<runtime::JournalPublisher>(*service.journal);
  runtime::RefusalPublisher refused(refusals);
  runtime::NotifierPublisher notifier(service.notifier, site.controller.scan_period_s);
  std::unique_ptr<runtime::ScadaImagePublisher> image;
  if (scada) image = std::make_unique<runtime::ScadaImagePublisher>(*scada);
  std::unique_ptr<runtime::HeartbeatPublisher> heartbeat;
  if (pair)
    heartbeat = std::make_unique<runtime::HeartbeatPublisher>(*pair, service.save_interval_s);

  runtime::ScanParts parts;
  parts.site = &site;
  parts.io = backend.io;
  parts.controller = &controller;
  parts.settings = scada ? &scada->settings : &standalone;
  parts.counters = &counters;
  parts.scada = scada.get();
  parts.pair = pair.get();
  parts.keeper = keeper.get();
  parts.journal = service.journal;
  for (runtime::ScanPublisher* p : std::initializer_list<runtime::ScanPublisher*>{
           heartbeat.get(), &log, journal.get(), &refused, &notifier, image.get()})
    if (p) parts.publishers.push_back(p);
  parts.clock = backend.clock;
  parts.device_faults = backend.faults;
  parts.clear_device_faults = backend.clear_faults;
  runtime::ScanCycle cycle(loop, std::move(parts), backend.period_wall_s, duration_s);
  if (scada) scada->set_clock(cycle.now_ref());

  asio::signal_set signals(loop, SIGINT, SIGTERM);
  signals.async_wait([&](const std::error_code& ec, int signal) {
    if (ec) return;  // cancelled: the run ended by itself
    spdlog::info(
        "plantd: signal {}: stopping; units stay under their governors, caps hold their "
        "values",
        signal);
    service.notifier.stopping("stopping on signal " + std::to_string(signal));
    if (service.journal) service.journal->lifecycle("stop on signal " + std::to_string(signal));
    cycle.stop();
    loop.stop();  // the SCADA server's connections would keep it running
  });
  cycle.start();
  loop.run();

  refusals.flush(cycle.now(), runtime::steady_seconds());
  if (keeper) keeper->stop(controller, counters.curtailed_mwh, cycle.now());
  const fw::ControllerStatus& st = controller.status();
  spdlog::info(
      "plantd: stopped after {} scans ({} overruns, the latest scan ended {:.1f} ms after it was "
      "due); mode {}, import {:.1f} MW, shed {:.1f} MW",
      cycle.scans(), cycle.schedule().overruns(), cycle.schedule().max_late_ms(),
      fw::to_string(st.mode), st.import_mw, st.shed_mw);
  if (scada) scada->log_totals();
  const runtime::RefusalCounts rc = refusals.counts();
  spdlog::info(
      "plantd: refusals: {} SCADA writes, {} SCADA requests, {} device writes; {} of them not "
      "logged one by one (summarised), {} sources evicted from the limiter's table",
      rc.scada_writes, rc.scada_requests, rc.device_writes, rc.suppressed, rc.evictions);
  if (service.journal && service.journal->lines_lost() > 0)
    spdlog::warn("plantd: {} event journal records could not be written",
                 service.journal->lines_lost());
  if (controller.alarms().events_dropped() > 0 || controller.log().dropped() > 0)
    spdlog::warn("plantd: {} alarm events and {} log entries were overwritten before draining",
                 controller.alarms().events_dropped(), controller.log().dropped());
  return 0;
}

int run_sim(const Options& o, Service& service) {
  sim::Scenario scenario;
  site::Site site;
  if (!o.scenario.empty()) {
    sim::ScenarioLoad loaded = sim::load_scenario_file(o.scenario, o.config);
    for (const auto& d : loaded.errors)
      spdlog::error("{}", d.str());
    if (!loaded.errors.empty()) return 1;
    scenario = *loaded.scenario;
    site = *loaded.site;
  } else {
    site::LoadResult loaded = site::load_site_file(o.config);
    for (const auto& d : loaded.errors)
      spdlog::error("{}", d.str());
    if (!loaded.errors.empty()) return 1;
    site = *loaded.site;
    scenario.name = "site only";
    scenario.duration_s = 1e12;
  }
  sim::Plant plant(site, sim::PlantOptions{scenario.step_s, scenario.seed});
  sim::ScenarioPlayer player(plant, scenario);
  player.initialise();
  hal::SimIo io(plant);
  const double period_s = site.controller.scan_period_s;
  spdlog::info("plantd: site {} ({} units, {} pods), simulator backend at {}x, scan {} ms",
               site.name, plant.turbine_count(), plant.pods().size(), o.speed, period_s * 1000);
  Backend backend;
  backend.io = &io;
  backend.period_wall_s = period_s / o.speed;
  backend.clock = [&](long long scans) {
    const double target_s = static_cast<double>(scans + 1) * period_s;
    while (plant.time_s() + 1e-9 < target_s) {
      player.apply_due();
      plant.step();
    }
    return plant.time_s();
  };
  service.scada_port = scada_port(o, site);
  return scan_loop(site, backend, o.duration_s, o.status_every_s, service);
}

int run_modbus(const Options& o, Service& service) {
  site::LoadResult loaded = site::load_site_file(o.config);
  for (const auto& d : loaded.errors)
    spdlog::error("{}", d.str());
  if (!loaded.errors.empty()) return 1;
  const site::Site& site = *loaded.site;
  hal::ModbusIoOptions mo;
  mo.host = o.host.empty() ? site.modbus.host : o.host;
  mo.base_port = o.port > 0 ? o.port : site.modbus.base_port;
  mo.response_timeout_s = site.modbus.response_timeout_ms / 1000.0;
  mo.connections_per_endpoint = site.modbus.connections_per_endpoint;
  mo.read_deadline_s = site.modbus.read_deadline_fraction * site.controller.scan_period_s / o.speed;
  hal::ModbusIo io(site, mo);
  spdlog::info("plantd: site {}: Modbus devices at {} from port {}, scan {} ms{}", site.name,
               mo.host, mo.base_port, site.controller.scan_period_s * 1000,
               o.speed == 1 ? "" : fmt::format(", clock at {}x wall time", o.speed));
  Backend backend;
  backend.io = &io;
  backend.period_wall_s = site.controller.scan_period_s / o.speed;
  // At --speed N (benches, CI) the controller's clock runs N times the wall clock.
  const auto start = Clock::now();
  backend.clock = [&](long long) {
    return o.speed * std::chrono::duration<double>(Clock::now() - start).count();
  };
  backend.faults = [&io] { return &io.faults(); };
  backend.clear_faults = [&io] { io.clear_faults(); };
  service.scada_port = scada_port(o, site);
  const int rc = scan_loop(site, backend, o.duration_s, o.status_every_s, service);
  const hal::ModbusIo::Counters c = io.counters();
  spdlog::info("plantd: {} requests, {} timeouts, {} exceptions, {} connects, {} late", c.requests,
               c.timeouts, c.exceptions, c.reconnects, c.late);
  return rc;
}

// --check-config: the site file alone, checked as plantd would load it.
int check_config(const Options& o) {
  site::LoadResult loaded = site::load_site_file(o.config);
  for (const auto& d : loaded.errors)
    std::fprintf(stderr, "%s\n", d.str().c_str());
  if (!loaded.errors.empty()) return 1;
  const site::Site& s = *loaded.site;
  std::printf("%s: site %s is valid: %d units, %d pods, contract %.1f MW\n", o.config.c_str(),
              s.name.c_str(), s.turbine_count(), s.pod_count(), s.grid.import_contract_mw);
  return 0;
}

// --init-state: a zero state file for a new installation.
int init_state(const Options& o) {
  if (o.state_file.empty()) {
    std::fprintf(stderr, "plantd: --init-state needs --state-file FILE\n");
    return 2;
  }
  site::LoadResult loaded = site::load_site_file(o.config);
  for (const auto& d : loaded.errors)
    std::fprintf(stderr, "%s\n", d.str().c_str());
  if (!loaded.errors.empty()) return 1;
  std::string error;
  if (!runtime::StateFile(o.state_file, *loaded.site).init(error)) {
    std::fprintf(stderr, "plantd: %s\n", error.c_str());
    return 1;
  }
  std::printf("%s: every counter at zero for site %s\n", o.state_file.c_str(),
              loaded.site->name.c_str());
  return 0;
}

// The command line: every option, with its range.
void declare_options(CLI::App& app, Options& o) {
  app.add_option("--config", o.config, "Site file (TOML)")->check(CLI::ExistingFile);
  app.add_option("--scenario", o.scenario, "With --sim: a scenario to play on the simulated plant")
      ->check(CLI::ExistingFile);
  app.add_flag("--sim", o.sim, "Run against the built-in plant simulator instead of devices");
  app.add_option("--speed", o.speed,
                 "Virtual seconds per wall second: with --sim, the simulator's pace; over "
                 "Modbus, for benches and CI against plantsim --serve --speed at the same rate")
      ->check(plant_cli::FiniteRange(0.01, 1000.0));
  app.add_option("--host", o.host, "Modbus devices' address (default: the site's [modbus] host)");
  app.add_option("--port", o.port, "Modbus devices' first port (default: the site's base_port)")
      ->check(CLI::Range(1, 65535));
  app.add_option("--duration-s", o.duration_s, "Stop after this long (0: run until signalled)")
      ->check(plant_cli::FiniteRange(0, 3650 * 86400.0));
  app.add_option("--status-every-s", o.status_every_s, "Seconds between status lines in the log")
      ->check(plant_cli::FiniteRange(0.1, 86400.0));
  app.add_option("--scada-port", o.scada_port,
                 "Serve SCADA on this port (default: the site's [scada] port, when it has one)")
      ->check(CLI::Range(1, 65535));
  app.add_option("--state-file", o.state_file,
                 "Keep the permit counters, run hours and curtailed energy in this file across "
                 "restarts (written atomically, checksummed)");
  app.add_option("--save-interval-s", o.save_interval_s,
                 "Save the counters at least this often (and at every start or stop)")
      ->check(plant_cli::FiniteRange(0.1, 3600.0));
  app.add_flag("--init-state", o.init_state,
               "Create --state-file with every counter at zero (a new installation) and exit");
  app.add_option("--realtime-priority", o.realtime_priority,
                 "Scan under SCHED_FIFO at this priority (1-99) with memory locked, as on a "
                 "facility control PC; plantd will not start if it may not")
      ->check(CLI::Range(1, 99));
  app.add_option(
         "--node", o.node,
         "Which node of the site's hot-standby pair this is ([redundancy] in the site file)")
      ->check(CLI::IsMember({"a", "b"}));
  app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.add_flag("--check-config", o.check_config,
               "Check the --config site file, print what is wrong or a summary, and exit");
  app.add_option("--event-log", o.event_log,
                 "Also journal every state change, command, alarm, fault and accepted operator "
                 "write to this file (the audit trail), one JSON object per line");
  app.add_option("--refusal-log", o.refusal_log,
                 "Journal refused writes and requests here, within their rate limit (default: "
                 "the --event-log name with .refusals before its extension)");
  app.add_option("--event-log-max-mb", o.event_log_max_mb,
                 "Rotate the event log, and the refusal log, at this size")
      ->check(plant_cli::FiniteRange(0.01, 10000.0));
  app.add_option("--event-log-files", o.event_log_files,
                 "Rotated event logs kept, and as many refusal logs")
      ->check(CLI::Range(1, 1000));
}

// A pair needs both: the site's [redundancy] table and this node's name. 0 when
// the two agree (service.node set for a pair), else plantd's exit status.
int check_pair_node(const Options& o, Service& service) {
  if (o.node.empty() && o.sim) return 0;
  site::LoadResult loaded = site::load_site_file(o.config);
  const bool pair = loaded.site && loaded.site->redundancy.enabled;
  if (pair && o.node.empty()) {
    std::fprintf(stderr,
                 "plantd: %s runs a hot-standby pair ([redundancy]): give --node a or --node b\n",
                 o.config.c_str());
    return 2;
  }
  if (!o.node.empty() && (o.sim || (loaded.site && !pair))) {
    std::fprintf(stderr,
                 "plantd: --node needs a site with a [redundancy] table and Modbus devices "
                 "(not --sim)\n");
    return 2;
  }
  if (pair) service.node = o.node[0];
  return 0;
}

// --event-log and --refusal-log: the journal, or none. 0 when opened (or not
// asked for), else plantd's exit status.
int open_journal(const Options& o, std::unique_ptr<runtime::EventJournal>& journal) {
  if (!o.refusal_log.empty() && o.event_log.empty()) {
    std::fprintf(stderr, "plantd: --refusal-log needs --event-log FILE\n");
    return 2;
  }
  if (o.event_log.empty()) return 0;
  const std::string refusal_log = o.refusal_log.empty()
                                      ? runtime::EventJournal::default_refusal_path(o.event_log)
                                      : o.refusal_log;
  if (refusal_log == o.event_log) {
    std::fprintf(stderr, "plantd: --refusal-log must be another file than --event-log\n");
    return 2;
  }
  try {
    journal = std::make_unique<runtime::EventJournal>(
        o.event_log, refusal_log, static_cast<std::size_t>(o.event_log_max_mb * 1024 * 1024),
        static_cast<std::size_t>(o.event_log_files));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "plantd: the event log: %s\n", e.what());
    return 1;
  }
  journal->lifecycle(std::string("start: plantd ") + PLANT_VERSION);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"plantd: the AI-datacenter plant controller"};
  Options o;
  declare_options(app, o);
  app.set_version_flag("--version", std::string("plantd ") + PLANT_VERSION);
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::from_str(o.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  if (o.config.empty() && (o.scenario.empty() || !o.sim)) {
    std::fprintf(stderr, "plantd: give --config SITE (or --sim --scenario FILE)\n");
    return 2;
  }
  if (o.check_config) return check_config(o);
  if (o.init_state) return init_state(o);
  Service service;
  service.state_file = o.state_file;
  service.save_interval_s = o.save_interval_s;
  if (const int rc = check_pair_node(o, service); rc != 0) return rc;
  if (o.realtime_priority > 0) {
    std::string error;
    if (!runtime::enter_realtime(o.realtime_priority, error)) {
      std::fprintf(stderr, "plantd: --realtime-priority: %s\n", error.c_str());
      return 1;
    }
    spdlog::info("plantd: scanning under SCHED_FIFO priority {}, memory locked",
                 o.realtime_priority);
  }
  std::unique_ptr<runtime::EventJournal> journal;
  if (const int rc = open_journal(o, journal); rc != 0) return rc;
  service.journal = journal.get();
  const int rc = o.sim ? run_sim(o, service) : run_modbus(o, service);
  if (journal) journal->lifecycle("stopped, exit status " + std::to_string(rc));
  return rc;
}
