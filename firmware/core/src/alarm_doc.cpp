// docs/alarms.md, rendered from the alarm catalogue (fw/alarms.hpp).
#include <cstdio>
#include <string>

#include "fw/alarms.hpp"

namespace fw {

namespace {
std::string seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", s);
  return text;
}
}  // namespace

std::string render_alarm_catalogue_markdown() {
  std::string md =
      "# Alarm catalogue\n\n"
      "Generated from `firmware/core/src/alarms.cpp` by `statedoc --alarms` "
      "(`build/ci/tools/statedoc/statedoc --alarms > docs/alarms.md`); a test fails when this "
      "file is stale. How alarms behave, and how to acknowledge and shelve them over SCADA: "
      "docs/operations.md.\n\n"
      "The number is the alarm's number on the SCADA map: `alarm_state` item (number - 1) holds "
      "its state, `alarm_first_out` names it, and `alarm_acknowledge`, `alarm_shelve` and "
      "`alarm_unshelve` take it. Priorities follow ISA-18.2 (1 urgent to 4 low). The on-delay "
      "is how long the condition must hold before the alarm is raised, the off-delay how long "
      "it must be gone before it clears.\n\n"
      "| number | name | priority | on-delay | off-delay | raised when | operator response |\n"
      "| --- | --- | --- | --- | --- | --- | --- |\n";
  for (int i = 0; i < kAlarmCount; ++i) {
    const AlarmInfo& a = alarm_info(static_cast<AlarmId>(i));
    md += "| " + std::to_string(i + 1) + " | `" + a.name + "` | " +
          std::to_string(static_cast<int>(a.priority)) + " " + to_string(a.priority) + " | " +
          seconds(a.on_delay_s) + " | " + seconds(a.off_delay_s) + " | " + a.meaning + " | " +
          a.response + " |\n";
  }
  md +=
      "\nSuppressed by design while their cause is active: `import_over_limit` while "
      "`grid_lost`, `meter_suspect` while `poi_comms_lost`, `battery_low` while "
      "`battery_comms_lost`.\n";
  return md;
}

}  // namespace fw
