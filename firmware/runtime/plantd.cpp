// plantd: the controller as a running program. A scan every scan_period_s on
// absolute deadlines (Asio steady timer), read -> step -> write, with overruns
// counted, transitions and device faults logged through spdlog, and a clean stop
// on SIGINT/SIGTERM that leaves the plant as it is (units under their own
// governors, caps holding their values).
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
#include <functional>
#include <memory>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "event_journal.hpp"
#include "fw/controller.hpp"
#include "hal/commands.hpp"
#include "hal/process_image.hpp"
#include "heartbeat_link.hpp"
#include "modbus_io.hpp"
#include "realtime.hpp"
#include "redundancy_role.hpp"
#include "scada_image.hpp"
#include "scada_server.hpp"
#include "scada_writes.hpp"
#include "service_notify.hpp"
#include "sim/plant.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_player.hpp"
#include "sim_io.hpp"
#include "site/load.hpp"
#include "state_keeper.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string config, scenario, log_level = "info", host, event_log, state_file;
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

void log_entry(const fw::LogEntry& e) {
  const bool unhandled = e.machine != fw::MachineId::kController && !e.transition;
  spdlog::log(unhandled ? spdlog::level::warn : spdlog::level::info, "{}", fw::describe(e));
}

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

// A hot-standby pair's side of the scan loop: the heartbeat, the role, and the
// peer's counters (docs/operations.md).
struct Standby {
  Standby(asio::io_context& io, const site::Site& s, char node)
      : site(s), link(io, s, node == 'a'), role(node == 'a', s.redundancy.loss_scans) {
    state_text.reserve(8192);
  }
  // Once per scan after the read: the role for this scan. Restarts the
  // controller with the best counters known when this node takes over, and
  // (as standby) whenever the active's counters arrive, so that its own state
  // file keeps them too. As standby, holds the active's operator settings, so
  // that an import limit or manual shed stays in force across a takeover.
  runtime::RoleDecision scan(hal::PlantIo& io, fw::Controller& controller, double& curtailed_mwh,
                             runtime::OperatorSettings& settings, double now) {
    const bool got = link.take(beat);
    if (got && beat.beat.role == runtime::Role::kActive && role.role() == runtime::Role::kStandby) {
      const std::string problem = runtime::check_settings(site, beat.settings);
      if (problem.empty()) {
        settings = beat.settings;
      } else if (!settings_problem_logged) {
        settings_problem_logged = true;
        spdlog::warn("plantd: the peer's operator settings are not taken: {}", problem);
      }
    }
    if (got && !beat.state_text.empty()) {
      runtime::PersistentState peer;
      std::string problem;
      if (runtime::parse_state(beat.state_text, "the peer's heartbeat", site, peer, problem)) {
        peer_state_s = now;
        if (role.role() == runtime::Role::kStandby) {
          controller.restart(merged(controller.usage(), peer.usage, 0));
          curtailed_mwh = std::max(curtailed_mwh, peer.curtailed_mwh);
        }
      } else if (!state_problem_logged) {
        state_problem_logged = true;
        spdlog::warn("plantd: the peer's counters are not usable: {}", problem);
      }
    }
    const bool fenced = io.fenced();
    const runtime::RoleDecision d =
        role.scan(got ? &beat.beat : nullptr, fenced, io.highest_owner_epoch());
    if (d.took_over) {
      // What the active may have emitted since its last counters reached us.
      const double unseen_s = peer_state_s > 0 ? now - peer_state_s : 0;
      const double allowance_kg = runtime::max_nox_rate_kg_per_s(site) * unseen_s;
      controller.restart(merged(controller.usage(), controller.usage(), allowance_kg));
      io.set_owner_epoch(d.epoch);
      spdlog::warn(
          "plantd: taking over as active with epoch {}: {} scans without a heartbeat from an "
          "active peer (NOx allowance {:.4f} kg for {:.2f} s of counters not received)",
          d.epoch, d.silent_scans, allowance_kg, unseen_s);
    }
    if (d.demoted) {
      io.set_owner_epoch(0);
      controller.restart(controller.usage());  // no stale mode or alarms on a standby
      spdlog::warn("plantd: standby now: {}",
                   fenced ? "a device refused this node (fenced): another controller owns it"
                          : "the peer is active with a higher epoch");
    }
    return d;
  }
  // After the scan: the heartbeat, with the counters every 10 scans or when a
  // start or stop was counted.
  void send(const fw::Controller& controller, const runtime::OperatorSettings& settings,
            double curtailed_mwh, long long scans, double save_interval_s) {
    const fw::PermitUsage& u = controller.usage();
    const bool moved = u.starts != sent.starts || u.stops != sent.stops;
    const bool active = role.role() == runtime::Role::kActive;
    if (active && (moved || scans % 10 == 0)) {
      runtime::PersistentState s;
      s.sequence = static_cast<std::uint64_t>(scans);
      s.save_interval_s = save_interval_s;
      s.usage = u;
      s.curtailed_mwh = curtailed_mwh;
      state_text = runtime::render_state(s, site);
      sent = u;
      link.send(role.role(), role.epoch(), static_cast<std::uint64_t>(scans), settings,
                &state_text);
    } else {
      link.send(role.role(), role.epoch(), static_cast<std::uint64_t>(scans), settings, nullptr);
    }
  }
  // Elementwise the larger of two sets of counters, plus `nox_kg`.
  static fw::PermitUsage merged(const fw::PermitUsage& a, const fw::PermitUsage& b, double nox_kg) {
    fw::PermitUsage m = a;
    for (std::size_t u = 0; u < m.starts.size() && u < b.starts.size(); ++u) {
      m.starts[u] = std::max(m.starts[u], b.starts[u]);
      m.stops[u] = std::max(m.stops[u], b.stops[u]);
      m.run_hours[u] = std::max(m.run_hours[u], b.run_hours[u]);
    }
    m.nox_kg = std::max(a.nox_kg, b.nox_kg) + nox_kg;
    return m;
  }

  const site::Site& site;
  runtime::HeartbeatLink link;
  runtime::RedundancyRole role;
  runtime::ReceivedBeat beat;
  double peer_state_s = 0;
  bool state_problem_logged = false, settings_problem_logged = false;
  std::string state_text;
  fw::PermitUsage sent;
};

void log_alarm(const fw::AlarmEvent& e) {
  if (e.id == fw::AlarmId::kCount) {
    spdlog::warn("t={:.2f}s alarm {}", e.t_s, fw::to_string(e.action));
    return;
  }
  const fw::AlarmInfo& info = fw::alarm_info(e.id);
  const bool raised = e.action == fw::AlarmAction::kRaised;
  spdlog::log(raised ? spdlog::level::warn : spdlog::level::info,
              "t={:.2f}s alarm {} ({}, {}): {} -> {}{}", e.t_s, info.name,
              static_cast<int>(e.id) + 1, fw::to_string(info.priority), fw::to_string(e.action),
              fw::to_string(e.state), e.first_out ? " [first out]" : "");
}

// The SCADA server on the scan loop's io_context, and the audit of every write.
struct Scada {
  Scada(const site::Site& site, fw::Controller& controller, asio::io_context& io, int port,
        Service& service, const double& now)
      : image(site), writes(site, controller, settings) {
    auto on_write = [this, &service, &now](const std::string& client_text, std::uint32_t client,
                                           std::uint16_t address, const std::uint16_t* words,
                                           int count) {
      const double wall_s = std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
      runtime::WriteOutcome o = writes.write(client, address, words, count, wall_s, now);
      const std::string reg = o.register_name.empty() ? std::to_string(address) : o.register_name;
      if (o.accepted) {
        spdlog::info("SCADA write from {}: {} {:g} -> {:g} {}", client_text, reg, o.old_value,
                     o.new_value, o.reason);
        if (service.journal)
          service.journal->operator_write(now, client_text, reg, o.old_value, o.new_value,
                                          o.reason);
      } else {
        spdlog::warn("SCADA write from {} refused (exception {}): {} = {:g}: {}", client_text,
                     o.exception, reg, o.new_value, o.reason);
        if (service.journal)
          service.journal->scada_refusal(now, client_text, reg, o.new_value, o.exception, o.reason);
      }
      return o;
    };
    auto on_refusal = [&service, &now](const std::string& client_text, const std::string& what,
                                       int exception) {
      spdlog::warn("SCADA request from {} refused (exception {}): {}", client_text, exception,
                   what);
      if (service.journal)
        service.journal->scada_refusal(now, client_text, what, 0, exception, "not served");
    };
    server = std::make_unique<runtime::ScadaServer>(
        io, site.scada.bind, port, site.scada.max_clients, image, on_write, on_refusal);
    spdlog::info("plantd: SCADA on {}:{}, writes from {}", site.scada.bind, server->port(),
                 site.scada.write_allow.empty()
                     ? std::string("no address")
                     : fmt::format("{}", fmt::join(site.scada.write_allow, ", ")));
  }
  runtime::OperatorSettings settings;
  runtime::ScadaImage image;
  runtime::ScadaWrites writes;
  std::unique_ptr<runtime::ScadaServer> server;
};

int scada_port(const Options& o, const site::Site& site) {
  if (o.scada_port > 0) return o.scada_port;
  return site.scada.enabled ? site.scada.port : 0;
}

// The scan loop, whatever the backend. `clock` gives the time of scan n (and
// moves a simulated plant along to it); `drain` logs a backend's own faults.
int scan_loop(const site::Site& site, hal::PlantIo& io, double period_wall_s, double duration_s,
              double status_every_s, const std::function<double(long long)>& clock,
              const std::function<void(double)>& drain, Service& service) {
  hal::ProcessImage image(site);
  hal::Commands commands(site);
  runtime::ShellCounters counters;
  std::unique_ptr<runtime::StateKeeper> keeper;
  fw::PermitUsage usage;
  if (!service.state_file.empty()) {
    keeper = std::make_unique<runtime::StateKeeper>(service.state_file, site,
                                                    service.save_interval_s, service.journal);
    const runtime::StateLoad& loaded = keeper->restore();
    usage = loaded.state.usage;
    counters.curtailed_mwh = loaded.state.curtailed_mwh;
  } else {
    spdlog::warn("plantd: no --state-file: permit counters start from zero and are not kept");
  }
  fw::Controller controller(site, usage);
  const double period_s = site.controller.scan_period_s;
  const auto period =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(period_wall_s));

  asio::io_context io_context;
  asio::steady_timer timer(io_context);
  double now = 0;  // the last scan's controller time
  std::unique_ptr<Scada> scada;
  if (service.scada_port > 0) {
    try {
      scada =
          std::make_unique<Scada>(site, controller, io_context, service.scada_port, service, now);
    } catch (const std::exception& e) {
      spdlog::error("plantd: cannot serve SCADA on {}:{}: {}", site.scada.bind, service.scada_port,
                    e.what());
      return 1;
    }
  }
  // The operator's settings: SCADA's, or without SCADA the defaults (which a
  // standby still takes from its active peer).
  runtime::OperatorSettings standalone = runtime::initial_settings(site);
  runtime::OperatorSettings& settings = scada ? scada->settings : standalone;
  std::unique_ptr<Standby> pair;
  if (service.node != 0) {
    try {
      pair = std::make_unique<Standby>(io_context, site, service.node);
    } catch (const std::exception& e) {
      spdlog::error("plantd: {}", e.what());
      return 1;
    }
    const site::RedundancyNode& self =
        service.node == 'a' ? site.redundancy.node_a : site.redundancy.node_b;
    const site::RedundancyNode& peer =
        service.node == 'a' ? site.redundancy.node_b : site.redundancy.node_a;
    spdlog::info(
        "plantd: node {} of a hot-standby pair: heartbeat on {}:{}, peer at {}:{}; standby until "
        "{} scans pass without an active peer",
        service.node, self.host, self.port, peer.host, peer.port, site.redundancy.loss_scans);
  }
  bool overran = false, state_not_kept = false;
  asio::signal_set signals(io_context, SIGINT, SIGTERM);
  bool stopping = false;
  signals.async_wait([&](const std::error_code& ec, int signal) {
    if (ec) return;  // cancelled: the run ended by itself
    spdlog::info(
        "plantd: signal {}: stopping; units stay under their governors, caps hold their "
        "values",
        signal);
    service.notifier.stopping("stopping on signal " + std::to_string(signal));
    if (service.journal) service.journal->lifecycle("stop on signal " + std::to_string(signal));
    stopping = true;
    timer.cancel();
    io_context.stop();  // the SCADA server's connections would keep it running
  });
  long long scans = 0, overruns = 0, slow_scans = 0;
  double max_late_ms = 0;
  const Clock::time_point start = Clock::now();
  Clock::time_point deadline = start;
  std::function<void(const std::error_code&)> tick = [&](const std::error_code& ec) {
    if (stopping || ec == asio::error::operation_aborted) return;
    const double previous_s = now;
    const Clock::time_point began = Clock::now();
    now = clock(scans);
    io.read(image, now);
    const Clock::time_point read_done = Clock::now();
    bool active = true;
    if (pair) {
      const runtime::RoleDecision d =
          pair->scan(io, controller, counters.curtailed_mwh, settings, now);
      active = d.role == runtime::Role::kActive;
      if (service.journal && (d.took_over || d.demoted))
        service.journal->lifecycle(d.took_over ? "active, epoch " + std::to_string(d.epoch)
                                               : std::string("standby (fenced or outranked)"));
    }
    fw::OperatorInputs op;
    if (scada) {
      scada->writes.set_standby(!active);
      scada->writes.take_requests(op);
    }
    op.import_limit_mw = settings.import_limit_mw;
    op.manual_shed_mw = settings.manual_shed_mw;
    op.scan_overrun = overran;
    op.state_not_kept = state_not_kept;
    // A standby reads, so it knows the plant when it takes over, but neither
    // steps nor writes.
    if (active) controller.step(image, op, now, commands);
    // Counted starts and stops reach the disk before the commands go out.
    if (keeper) state_not_kept = keeper->after_step(controller, counters.curtailed_mwh, now);
    const Clock::time_point step_done = Clock::now();
    if (active) io.write(commands, now);
    const Clock::time_point write_done = Clock::now();
    if (pair)
      pair->send(controller, settings, counters.curtailed_mwh, scans, service.save_interval_s);
    fw::AlarmManager& alarms = controller.alarms();
    for (std::size_t k = 0; k < alarms.event_count(); ++k) {
      log_alarm(alarms.event(k));
      if (service.journal) service.journal->alarm(alarms.event(k));
    }
    alarms.clear_events();
    fw::EventLog& log = controller.log();
    for (std::size_t k = 0; k < log.size(); ++k) {
      log_entry(log.at(k));
      if (service.journal) service.journal->entry(log.at(k));
    }
    log.clear();
    if (service.journal && active) service.journal->commands(now, commands);
    for (int k = 0; k < io.refusal_count(); ++k) {
      const hal::WriteRefusal& w = io.refusal(k);
      spdlog::warn("t={:.2f}s {} {} refused {} = {:.3f}: {}", now, w.device_kind, w.index, w.what,
                   w.value, w.reason);
      if (service.journal)
        service.journal->refusal(now, w.device_kind, w.index, w.what, w.value, w.reason);
    }
    io.clear_refusals();
    if (drain) drain(now);
    if (scans == 0)
      service.notifier.ready("scanning every " + std::to_string(site.controller.scan_period_s) +
                             " s");
    service.notifier.scan_done(Clock::now());
    // A status line every 10 s of scans, for whoever watches the log.
    if (scans % static_cast<long long>(std::max(1.0, status_every_s / period_s)) == 0) {
      const fw::ControllerStatus& st = controller.status();
      spdlog::info(
          "t={:.1f}s status{}: {}, load {:.1f} MW, import {:.1f} MW, units {} (+{} starting), "
          "battery {:.1f} MW, shed {:.1f} MW",
          now, pair ? fmt::format(" ({})", runtime::to_string(pair->role.role())) : std::string(),
          fw::to_string(st.mode), st.site_load_mw, st.import_mw, st.units_online, st.units_starting,
          st.battery_target_mw, st.shed_mw);
    }
    ++scans;
    counters.scans = static_cast<std::uint64_t>(scans);
    counters.overruns = static_cast<std::uint64_t>(overruns);
    if (pair) {
      counters.redundancy_role = active ? 1 : 2;
      counters.owner_epoch = pair->role.epoch();
    }
    if (scans > 1 && active)
      counters.curtailed_mwh += controller.status().shed_mw * (now - previous_s) / 3600;
    if (scada) scada->image.update(image, controller, scada->settings, counters);
    if (duration_s > 0 && now >= duration_s) {
      stopping = true;
      signals.cancel();
      io_context.stop();
      return;
    }
    // Absolute deadlines: a late scan is counted and the schedule skips ahead
    // rather than running scans back to back.
    deadline += period;
    const Clock::time_point wall = Clock::now();
    if (scans == 1) {
      // The first scan connects to every device and reads back every holding
      // table: a start-up, not a scan on the schedule, which begins at its end.
      spdlog::info("plantd: the first scan (connect, verify every device) took {:.1f} ms",
                   std::chrono::duration<double, std::milli>(wall - start).count());
      deadline = wall + period;
      timer.expires_at(deadline);
      timer.async_wait(tick);
      return;
    }
    // From this scan's due time to its end: an overrun is a scan that ended more
    // than two periods after it was due.
    max_late_ms = std::max(
        max_late_ms, std::chrono::duration<double, std::milli>(wall - (deadline - period)).count());
    overran = wall > deadline + period;
    // A scan that ended more than 1.5 periods after it was due, taken apart: how
    // late it began, and its read, step and write (the first 20; then counted).
    if (wall > deadline + period / 2 && slow_scans++ < 20) {
      auto ms = [](Clock::duration d) {
        return std::chrono::duration<double, std::milli>(d).count();
      };
      spdlog::info(
          "slow scan {}: ended {:.1f} ms after due; began {:.1f} ms late, read {:.1f} ms, step "
          "{:.1f} ms, write {:.1f} ms, the rest {:.1f} ms; in the read: {}",
          scans, ms(wall - (deadline - period)), ms(began - (deadline - period)),
          ms(read_done - began), ms(step_done - read_done), ms(write_done - step_done),
          ms(wall - write_done), io.describe_last_read());
    }
    if (overran) {
      ++overruns;
      spdlog::warn("scan overrun: {:.1f} ms late ({} so far)",
                   std::chrono::duration<double, std::milli>(wall - deadline).count(), overruns);
      deadline = wall;
    }
    timer.expires_at(deadline);
    timer.async_wait(tick);
  };
  timer.expires_at(deadline);
  timer.async_wait(tick);
  io_context.run();
  if (keeper) keeper->stop(controller, counters.curtailed_mwh, now);
  const fw::ControllerStatus& st = controller.status();
  spdlog::info(
      "plantd: stopped after {} scans ({} overruns, the latest scan ended {:.1f} ms after it was "
      "due); mode {}, import {:.1f} MW, shed {:.1f} MW",
      scans, overruns, max_late_ms, fw::to_string(st.mode), st.import_mw, st.shed_mw);
  if (scada) {
    const runtime::ScadaStats& s = scada->server->stats();
    spdlog::info(
        "plantd: SCADA served {} requests on {} connections ({} refused); writes {} accepted, {} "
        "refused; {} values did not fit their register",
        s.requests, s.connections, s.connections_refused, s.writes_accepted, s.writes_refused,
        scada->image.encode_failures());
  }
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
  auto advance = [&](long long scans) {
    const double target_s = static_cast<double>(scans + 1) * period_s;
    while (plant.time_s() + 1e-9 < target_s) {
      player.apply_due();
      plant.step();
    }
    return plant.time_s();
  };
  service.scada_port = scada_port(o, site);
  return scan_loop(site, io, period_s / o.speed, o.duration_s, o.status_every_s, advance, nullptr,
                   service);
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
  mo.read_deadline_s =
      site.modbus.read_deadline_fraction * site.controller.scan_period_s / o.speed;
  hal::ModbusIo io(site, mo);
  spdlog::info("plantd: site {}: Modbus devices at {} from port {}, scan {} ms{}", site.name,
               mo.host, mo.base_port, site.controller.scan_period_s * 1000,
               o.speed == 1 ? "" : fmt::format(", clock at {}x wall time", o.speed));
  auto drain = [&io, &service](double now) {
    for (const std::string& line : io.faults()) {
      spdlog::warn("{}", line);
      if (service.journal) service.journal->fault(now, line);
    }
    io.clear_faults();
  };
  // At --speed N (benches, CI) the controller's clock runs N times the wall clock.
  const auto start = Clock::now();
  auto clock = [&](long long) {
    return o.speed * std::chrono::duration<double>(Clock::now() - start).count();
  };
  service.scada_port = scada_port(o, site);
  const int rc = scan_loop(site, io, site.controller.scan_period_s / o.speed, o.duration_s,
                           o.status_every_s, clock, drain, service);
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"plantd: the AI-datacenter plant controller"};
  Options o;
  app.add_option("--config", o.config, "Site file (TOML)")->check(CLI::ExistingFile);
  app.add_option("--scenario", o.scenario, "With --sim: a scenario to play on the simulated plant")
      ->check(CLI::ExistingFile);
  app.add_flag("--sim", o.sim, "Run against the built-in plant simulator instead of devices");
  app.add_option("--speed", o.speed,
                 "Virtual seconds per wall second: with --sim, the simulator's pace; over "
                 "Modbus, for benches and CI against plantsim --serve --speed at the same rate")
      ->check(CLI::Range(0.01, 1000.0));
  app.add_option("--host", o.host, "Modbus devices' address (default: the site's [modbus] host)");
  app.add_option("--port", o.port, "Modbus devices' first port (default: the site's base_port)")
      ->check(CLI::Range(1, 65535));
  app.add_option("--duration-s", o.duration_s, "Stop after this long (0: run until signalled)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--status-every-s", o.status_every_s, "Seconds between status lines in the log")
      ->check(CLI::Range(0.1, 86400.0));
  app.add_option("--scada-port", o.scada_port,
                 "Serve SCADA on this port (default: the site's [scada] port, when it has one)")
      ->check(CLI::Range(1, 65535));
  app.add_option("--state-file", o.state_file,
                 "Keep the permit counters, run hours and curtailed energy in this file across "
                 "restarts (written atomically, checksummed)");
  app.add_option("--save-interval-s", o.save_interval_s,
                 "Save the counters at least this often (and at every start or stop)")
      ->check(CLI::Range(0.1, 3600.0));
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
                 "Also journal every state change, command, refusal and fault to this file, one "
                 "JSON object per line");
  app.add_option("--event-log-max-mb", o.event_log_max_mb, "Rotate the event log at this size")
      ->check(CLI::Range(0.01, 10000.0));
  app.add_option("--event-log-files", o.event_log_files, "Rotated event logs kept")
      ->check(CLI::Range(1, 1000));
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
  if (!o.node.empty() || !o.sim) {
    // A pair needs both: the site's [redundancy] table and this node's name.
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
  }
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
  if (!o.event_log.empty()) {
    try {
      journal = std::make_unique<runtime::EventJournal>(
          o.event_log, static_cast<std::size_t>(o.event_log_max_mb * 1024 * 1024),
          static_cast<std::size_t>(o.event_log_files));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "plantd: cannot open the event log %s: %s\n", o.event_log.c_str(),
                   e.what());
      return 1;
    }
    journal->lifecycle(std::string("start: plantd ") + PLANT_VERSION);
    service.journal = journal.get();
  }
  const int rc = o.sim ? run_sim(o, service) : run_modbus(o, service);
  if (journal) journal->lifecycle("stopped, exit status " + std::to_string(rc));
  return rc;
}
