// `plantctl scenario run --report DIR`: the time series, the plots gnuplot drew
// from it, and the HTML page with the KPI and invariant tables.
#include <unistd.h>
#include <catch2/catch.hpp>

#include <sstream>
#include <string>

#include "process.hpp"

TEST_CASE("a scenario report holds the series, the plots and the KPI table",
          "[integration][report]") {
  const std::string dir = "/tmp/plant-report-" + std::to_string(getpid());
  proc::run_command("rm -rf " + dir);
  int status = -1;
  const std::string out = proc::run_command(
      std::string(PLANTCTL_PATH) + " scenario run " + PLANT_SOURCE_DIR +
          "/tests/integration/scenarios/grid-outage-40s.toml --report " + dir + " 2>&1",
      &status);
  INFO(out);
  REQUIRE(status == 0);
  CHECK(out.find("report: " + dir + "/index.html") != std::string::npos);

  // One row a second for the scenario's 40 s, with the columns the plots use.
  const std::string csv = proc::read_file(dir + "/series.csv");
  std::istringstream lines(csv);
  std::string header;
  std::getline(lines, header);
  for (const char* column : {"time_s", "import_mw", "frequency_hz", "battery_soc_pu",
                             "it_inference_mw", "it_training_mw", "it_batch_mw", "cap_inference_mw",
                             "cap_training_mw", "cap_batch_mw", "unit_0_mw", "unit_14_mw"})
    CHECK(header.find(column) != std::string::npos);
  CHECK(proc::occurrences(csv, "\n") == 41);

  // Each plot is a PNG that gnuplot wrote.
  for (const char* png : {"import", "turbines", "gpu", "frequency", "battery"}) {
    INFO(png);
    const std::string bytes = proc::read_file(dir + "/" + png + ".png");
    REQUIRE(bytes.size() > 1000);
    CHECK(bytes.substr(1, 3) == "PNG");
  }
  // The scenario's one event (the outage at 10 s) marked and numbered on every plot.
  const std::string gp = proc::read_file(dir + "/plots.gp");
  CHECK(proc::occurrences(gp, "set arrow from 10, graph 0 to 10, graph 1 nohead") == 1);
  CHECK(proc::occurrences(gp, "set label '1' at 10,") == 1);
  CHECK(proc::occurrences(gp, "set output '") == 5);
  const std::string page = proc::read_file(dir + "/index.html");
  CHECK(page.find("<h2>Key figures</h2>") != std::string::npos);
  CHECK(page.find("curtailed GPU energy") != std::string::npos);
  CHECK(page.find("perfect-foresight bound") != std::string::npos);  // the run computed it
  CHECK(proc::occurrences(page, "class='pass'>PASS") >= 5);
  CHECK(page.find("grid_outage") != std::string::npos);  // the event, listed
  CHECK(proc::occurrences(page, "<img src=") == 5);
}

// `plantctl scenario bound --json`: the same figure on the terminal and in the file, and
// `scenario run` prints it beside the run's own.
TEST_CASE("plantctl scenario bound prints and writes the bound; run prints it with the regret",
          "[integration][bound]") {
  const std::string json = "/tmp/plant-bound-" + std::to_string(getpid()) + ".json";
  const std::string scenario =
      std::string(PLANT_SOURCE_DIR) + "/tests/integration/scenarios/grid-outage-40s.toml";
  int status = -1;
  const std::string out = proc::run_command(
      std::string(PLANTCTL_PATH) + " scenario bound " + scenario + " --json " + json + " 2>&1",
      &status);
  INFO(out);
  REQUIRE(status == 0);
  CHECK(out.find("perfect-foresight bound") != std::string::npos);
  const std::string text = proc::read_file(json);
  CHECK(text.find("\"bound_mwh\": ") != std::string::npos);
  CHECK(text.find("\"intervals\": 4,") != std::string::npos);  // 40 s in 10 s intervals
  const std::string run = proc::run_command(
      std::string(PLANTCTL_PATH) + " scenario run " + scenario + " 2>&1", &status);
  INFO(run);
  CHECK(run.find("perfect-foresight bound") != std::string::npos);
  CHECK(run.find("regret") != std::string::npos);
  // An interval the program cannot use is refused, by name.
  proc::run_command(
      std::string(PLANTCTL_PATH) + " scenario bound " + scenario + " --interval-s 0.1 2>&1",
      &status);
  CHECK(status != 0);
  proc::run_command("rm -f " + json);
}
