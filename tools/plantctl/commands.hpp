// plantctl subcommand groups: each adds its subcommands to the top-level app.
//
// A command that fails throws CLI::RuntimeError(exit_code) after printing its own
// messages; main() returns that code. Command-line usage errors exit with 2.
#pragma once

#include <CLI/CLI.hpp>

namespace plantctl {

// `plantctl config check FILE`
void add_config_commands(CLI::App& app);
// `plantctl scenario run FILE [--controller plant|baseline] [--json OUT] [--csv OUT]`
void add_scenario_commands(CLI::App& app);
// `plantctl regs read|write|dump DEVICE [REGISTER [VALUE]] --config SITE`
void add_regs_commands(CLI::App& app);
// `plantctl status [--config SITE] [--host H] [--port P] [--watch [S]]`
void add_status_commands(CLI::App& app);
// `plantctl campaign run|merge`: fault campaigns, sharded
void add_campaign_commands(CLI::App& app);
// `plantctl bench [--json OUT] [--only GROUPS] [--quick]`
void add_bench_commands(CLI::App& app);

}  // namespace plantctl
