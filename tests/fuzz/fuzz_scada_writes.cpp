// Any SCADA write (client address, register address, words) against plantd's
// write policy: refused or accepted, and an accepted one never leaves a setting
// outside the bounds the site file allows.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

#include "scada_writes.hpp"
#include "site/load.hpp"

namespace {
site::Site load() {
  std::ifstream in(std::string(PLANT_SOURCE_DIR) + "/config/colossus-100k.toml");
  std::stringstream text;
  text << in.rdbuf()
       << "\n[scada]\nwrite_allow = [\"10.0.0.0/8\"]\nmin_write_interval_s = 1\n"
          "import_limit_min_mw = 60\nmanual_shed_max_pu = 0.2\n";
  return *site::load_site_string(text.str(), "fuzz-site.toml").site;
}
struct Fixture {
  site::Site site = load();
  fw::Controller controller{site, fw::PermitUsage{}};
  runtime::OperatorSettings settings;
  runtime::ScadaWrites writes{site, controller, settings};
  double wall_s = 0;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture f;
  if (size < 8) return 0;
  std::uint32_t client = 0;
  std::uint16_t address = 0;
  std::memcpy(&client, data, 4);
  std::memcpy(&address, data + 4, 2);
  const int count = data[6] % 124;
  f.wall_s += data[7] / 64.0;  // time moves on, sometimes within the rate limit
  std::uint16_t words[123] = {};
  const std::size_t have = (size - 8) / 2;
  for (std::size_t i = 0; i < have && i < 123; ++i)
    words[i] = static_cast<std::uint16_t>(data[8 + 2 * i] << 8 | data[9 + 2 * i]);
  const runtime::WriteOutcome o = f.writes.write(client, address, words, count, f.wall_s, 0);
  if (o.accepted == (o.exception != 0)) __builtin_trap();
  const double limit = f.settings.import_limit_mw;
  if (limit != 0 && (limit < 60 || limit > f.site.grid.import_contract_mw)) __builtin_trap();
  const double shed = f.settings.manual_shed_mw;
  if (shed < 0 || shed > 0.2 * f.site.it_compute_mw() + 1e-9) __builtin_trap();
  if (o.accepted && (client & 0xFF000000u) != 0x0A000000u) __builtin_trap();  // only 10/8
  return 0;
}
