// Every file and number from outside is validated (issue 13), checked on the real
// binaries: the exit code and the message. Each command runs under timeout(1), so
// a read that blocks on a FIFO fails the test (exit 124) instead of hanging it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <string>

#include "process.hpp"

namespace {

const std::string kSource = PLANT_SOURCE_DIR;
const std::string kSite = kSource + "/config/colossus-100k.toml";

// CLI11's exit code for a value its validator refused (plantd and plantsim); plantctl
// exits 2 for every command-line error.
constexpr int kUsageError = 105;

struct Run {
  int status = -1;
  std::string out;  // stdout and stderr
};

Run run(const std::string& command) {
  Run r;
  r.out = proc::run_command("timeout 30 " + command + " 2>&1", &r.status);
  UNSCOPED_INFO(command << "\n" << r.out);
  return r;
}

bool has(const Run& r, const std::string& part) {
  return r.out.find(part) != std::string::npos;
}

struct TempDir {
  std::string path = "/tmp/plant-inputs-" + std::to_string(getpid());
  TempDir() {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("a FIFO or a device as the site file is refused at once, not waited on",
          "[integration][inputs]") {
  TempDir d;
  const std::string fifo = d.path + "/site.toml";
  REQUIRE(mkfifo(fifo.c_str(), 0644) == 0);
  Run r = run(std::string(PLANTCTL_PATH) + " config check " + fifo);
  CHECK(r.status == 1);
  CHECK(has(r, fifo + ": not a regular file (a FIFO)"));
  r = run(std::string(PLANTD_PATH) + " --check-config --config " + fifo);
  CHECK(r.status == 1);
  CHECK(has(r, "not a regular file (a FIFO)"));
  r = run(std::string(PLANTCTL_PATH) + " config check /dev/zero");
  CHECK(r.status == 1);
  CHECK(has(r, "/dev/zero: not a regular file (a character device)"));
  // And as plantd's state file: refused with what it is, plantd goes on conservatively.
  r = run(std::string(PLANTD_PATH) + " --sim --config " + kSite +
          " --state-file /dev/zero --duration-s 0.5 --speed 10");
  CHECK(has(r, "/dev/zero: not a regular file (a character device)"));
}

TEST_CASE("nan and inf are refused for every floating-point option", "[integration][inputs]") {
  const std::string plantd = std::string(PLANTD_PATH) + " --sim --config " + kSite;
  for (const std::string option :
       {"--save-interval-s", "--speed", "--duration-s", "--event-log-max-mb", "--status-every-s"}) {
    for (const std::string value : {"nan", "inf", "-nan"}) {
      const Run r = run(plantd + " " + option + " " + value);
      CHECK(r.status == kUsageError);
      CHECK(has(r, "is not a finite number from"));
    }
  }
  const std::string plantsim = std::string(PLANTSIM_PATH) + " --config " + kSite;
  for (const std::string option : {"--step-ms", "--duration-s", "--report-every-s", "--speed"}) {
    const Run r = run(plantsim + " " + option + " nan");
    CHECK(r.status == kUsageError);
    CHECK(has(r, "is not a finite number from"));
  }
  const Run r = run(std::string(PLANTCTL_PATH) + " scenario run " + kSource +
                    "/scenarios/grid-outage.toml --csv-interval-s nan");
  CHECK(r.status == 2);
  CHECK(has(r, "nan is not a finite number from 0.01 to 3600"));
  // A value in range still runs.
  CHECK(run(plantd + " --save-interval-s 1 --duration-s 0.2 --speed 10").status == 0);
}

TEST_CASE("plantd refuses --event-log in a directory that does not exist, and creates none",
          "[integration][inputs]") {
  TempDir d;
  const std::string missing = d.path + "/no-such-dir/deeper";
  const Run r = run(std::string(PLANTD_PATH) + " --sim --config " + kSite + " --event-log " +
                    missing + "/events.jsonl --duration-s 0.2");
  CHECK(r.status == 1);
  CHECK(has(r, "the directory " + missing + " does not exist"));
  CHECK_FALSE(std::filesystem::exists(d.path + "/no-such-dir"));
}

// A FIFO as a journal would hang plantd at its open (no reader) or feed whoever
// reads it; a directory is no file either, and a refused --event-log leaves no
// refusals file behind. Each within `run`'s time bound, never a hang.
TEST_CASE("plantd refuses at once an --event-log or --refusal-log that is no regular file",
          "[integration][inputs]") {
  TempDir d;
  const std::string fifo = d.path + "/fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::string plantd = std::string(PLANTD_PATH) + " --sim --config " + kSite;
  Run r = run(plantd + " --event-log " + fifo + " --duration-s 0.2");
  CHECK(r.status == 1);
  CHECK(has(r, "a FIFO, not a regular file"));
  r = run(plantd + " --event-log " + d.path + "/events.jsonl --refusal-log " + fifo +
          " --duration-s 0.2");
  CHECK(r.status == 1);
  CHECK(has(r, "a FIFO, not a regular file"));
  // With a reader on the FIFO: opened, then refused all the same.
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  REQUIRE(reader >= 0);
  r = run(plantd + " --event-log " + fifo + " --duration-s 0.2");
  ::close(reader);
  CHECK(r.status == 1);
  CHECK(has(r, "not a regular file"));
  r = run(plantd + " --event-log " + d.path + " --duration-s 0.2");  // a directory
  CHECK(r.status == 1);
  CHECK_FALSE(std::filesystem::exists(d.path + ".refusals"));
}

TEST_CASE("a write error on an output file fails the run with a message", "[integration][inputs]") {
  const int port = proc::free_port();
  Run r =
      run(std::string(PLANTSIM_PATH) + " --serve --config " + kSite + " --host 127.0.0.1 --port " +
          std::to_string(port) + " --duration-s 0.5 --json /dev/full");
  CHECK(r.status == 1);
  CHECK(has(r, "cannot write /dev/full: No space left on device"));
  r = run(std::string(PLANTCTL_PATH) + " scenario run " + kSource +
          "/scenarios/grid-outage.toml --json /dev/full");
  CHECK(r.status != 0);
  CHECK(has(r, "cannot write /dev/full"));
}

TEST_CASE("plantctl regs write refuses a value the register does not carry exactly",
          "[integration][inputs]") {
  const int port = proc::free_port();
  proc::Process sim({PLANTSIM_PATH, "--serve", "--config", kSite, "--host", "127.0.0.1", "--port",
                     std::to_string(port), "--duration-s", "60"},
                    "/tmp/plant-test-inputs-plantsim-" + std::to_string(port) + ".log");
  REQUIRE(proc::wait_for_port(port, 10));
  const auto stops = [&] {
    return run(std::string(PLANTCTL_PATH) + " regs read --config " + kSite + " --port " +
               std::to_string(port) + " turbine.0 stops")
        .out;
  };
  const std::string stops_before = stops();
  // 1.5 to the command register would round to 2: stop.
  Run r = run(std::string(PLANTCTL_PATH) + " regs write --config " + kSite + " --port " +
              std::to_string(port) + " turbine.0 command 1.5");
  CHECK(r.status == 1);
  CHECK(has(r,
            "1.5 cannot be written to command exactly (uint16, code): allowed are whole "
            "numbers from 0 to 65535"));
  CHECK(stops() == stops_before);
  // Finer than the register's scale (1 kW), and outside its type.
  const std::string write = std::string(PLANTCTL_PATH) + " regs write --config " + kSite +
                            " --port " + std::to_string(port);
  r = run(write + " pod.0 cap_mw 0.8004");
  CHECK(r.status == 1);
  CHECK(has(r, "allowed are multiples of 0.001 from -2147483.648 to 2147483.647 MW"));
  r = run(write + " turbine.0 controller_heartbeat 70000");
  CHECK(r.status == 1);
  CHECK(has(r, "whole numbers from 0 to 65535"));
  r = run(write + " turbine.0 controller_heartbeat nan");
  CHECK(r.status == 1);
  // What the register carries is written.
  r = run(write + " pod.0 cap_mw 0.8");
  CHECK(r.status == 0);
  CHECK(has(r, "accepted"));
  CHECK(sim.stop(SIGTERM, 10) == 0);
}
