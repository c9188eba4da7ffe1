// plantctl: command-line tools for site files, scenarios and the plant.
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.hpp"

namespace {
constexpr int kUsageExitCode = 2;  // the conventional code for a bad command line
}

int main(int argc, char** argv) {
  CLI::App app{"plantctl: tools for the AI-datacenter plant controller and simulator"};
  app.require_subcommand(1);
  plantctl::add_config_commands(app);
  plantctl::add_scenario_commands(app);
  plantctl::add_regs_commands(app);
  plantctl::add_status_commands(app);
  plantctl::add_campaign_commands(app);
  plantctl::add_bench_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a command failed and has printed why
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, or the usage error
    return code == 0 ? 0 : kUsageExitCode;
  } catch (const std::exception& e) {
    std::cerr << "plantctl: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
