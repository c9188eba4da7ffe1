// The event journal's two files: the audit trail never holds a refusal, so no
// flood of refusals rotates an accepted write out of it; each file rotates on
// its own by size; a file that cannot be written fails its lines (counted, and
// the journal's failed(), which raises event_journal_failed), never the caller,
// and recovers by itself.
#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "closed_loop.hpp"
#include "event_journal.hpp"
#include "journal_file.hpp"
#include "process.hpp"
#include "test_sites.hpp"

namespace {

std::string temp_dir(const std::string& name) {
  const std::string dir = "/tmp/plant-journal-" + name + "-" + std::to_string(getpid());
  proc::run_command("rm -rf " + dir + " && mkdir -p " + dir);
  return dir;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("the refusals file is named beside the audit trail; rotated files as spdlog names them",
          "[journal]") {
  using runtime::EventJournal;
  CHECK(EventJournal::default_refusal_path("/var/log/plantd/events.jsonl") ==
        "/var/log/plantd/events.refusals.jsonl");
  CHECK(EventJournal::default_refusal_path("events") == "events.refusals");
  CHECK(EventJournal::default_refusal_path("/a.b/events") == "/a.b/events.refusals");
  CHECK(EventJournal::default_refusal_path("/var/log/.events") == "/var/log/.events.refusals");
  const std::string dir = temp_dir("names");
  runtime::JournalFile f(dir + "/events.jsonl", 100, 3);
  CHECK(f.name(0) == dir + "/events.jsonl");
  CHECK(f.name(2) == dir + "/events.2.jsonl");
  CHECK(runtime::JournalFile(dir + "/plain", 100, 3).name(1) == dir + "/plain.1");
}

TEST_CASE("a journal file rotates by size, keeps max_files, and never exceeds its size",
          "[journal]") {
  const std::string dir = temp_dir("rotate");
  runtime::JournalFile f(dir + "/events.jsonl", 1000, 2);
  REQUIRE(f.healthy());
  const std::string line(99, 'x');  // 100 bytes with its newline
  for (int i = 0; i < 45; ++i)
    REQUIRE(f.write_line(line));
  // 45 lines of 100 bytes: 10 in each full file; the newest 5 in the file written now.
  CHECK(proc::read_file(dir + "/events.jsonl").size() == 500);
  CHECK(proc::read_file(dir + "/events.1.jsonl").size() == 1000);
  CHECK(proc::read_file(dir + "/events.2.jsonl").size() == 1000);
  CHECK_FALSE(exists(dir + "/events.3.jsonl"));
  CHECK(f.lines_lost() == 0);
  // Appended to on reopening, as a restarted plantd does.
  runtime::JournalFile again(dir + "/events.jsonl", 1000, 2);
  REQUIRE(again.write_line("{}"));
  CHECK(proc::read_file(dir + "/events.jsonl").size() == 503);
}

TEST_CASE("a journal file that cannot be written fails its lines, and recovers by itself",
          "[journal]") {
  // A full disk.
  runtime::JournalFile full("/dev/full", 1 << 20, 2);
  REQUIRE(full.healthy());  // it opens
  CHECK_FALSE(full.write_line("{\"kind\":\"lifecycle\"}"));
  CHECK_FALSE(full.healthy());
  CHECK(full.error().find("No space left on device") != std::string::npos);
  CHECK_FALSE(full.write_line("{}"));
  CHECK(full.lines_lost() == 2);

  // A rotation that fails (the next name is taken by a directory that is not
  // empty, as a read-only directory would refuse it, even to root): the line is
  // lost, and the records already kept are not cut to make room.
  const std::string dir = temp_dir("fail");
  runtime::JournalFile f(dir + "/events.jsonl", 300, 2);
  const std::string line(99, 'y');
  for (int i = 0; i < 6; ++i)  // 3 lines in events.1.jsonl, 3 in events.jsonl
    REQUIRE(f.write_line(line));
  proc::run_command("mkdir -p " + dir + "/events.2.jsonl/x");
  CHECK_FALSE(f.write_line(line));
  CHECK_FALSE(f.healthy());
  CHECK(f.error().find("cannot rotate") != std::string::npos);
  CHECK(proc::read_file(dir + "/events.jsonl").size() == 300);
  CHECK(proc::read_file(dir + "/events.1.jsonl").size() == 300);
  CHECK_FALSE(f.write_line(line));
  CHECK(f.lines_lost() == 2);
  // Cleared: the next line rotates and is written; the file is healthy again.
  proc::run_command("rm -rf " + dir + "/events.2.jsonl");
  CHECK(f.write_line(line));
  CHECK(f.healthy());
  CHECK(f.error().empty());
  CHECK(proc::read_file(dir + "/events.2.jsonl").size() == 300);
  CHECK(proc::read_file(dir + "/events.1.jsonl").size() == 300);
  CHECK(proc::read_file(dir + "/events.jsonl").size() == 100);

  // Opening in a directory that does not exist: not healthy, and the journal says why.
  CHECK_THROWS_WITH(runtime::EventJournal(dir + "/no/such/events.jsonl", dir + "/r.jsonl", 1000, 2),
                    Catch::Contains("cannot open") && Catch::Contains("No such file"));
}

TEST_CASE("refusals go to their own file: a flood of them leaves the audit trail whole",
          "[journal]") {
  const std::string dir = temp_dir("split");
  const std::string audit = dir + "/events.jsonl", refusals = dir + "/events.refusals.jsonl";
  {
    // Small files (10 kB, 2 rotated) so that the flood rotates the refusals many times over.
    runtime::EventJournal j(audit, refusals, 10000, 2);
    j.lifecycle("start");
    j.operator_write(1.5, "127.0.0.1", "import_limit_mw", 0, 100, "import limit");
    for (int i = 0; i < 20000; ++i)
      j.scada_refusal(2, "127.0.0.2", "import_limit_mw", 100, 1, "client address not allowed");
    j.refusal(3, "turbine", 2, "start", 1, "not_permitted");
    runtime::RefusalSummary s;
    s.label = "127.0.0.2";
    s.suppressed = 19999;
    j.refusal_summary(4, s, 60);
    j.lifecycle("stop");
    CHECK_FALSE(j.failed());
    CHECK(j.lines_lost() == 0);
  }
  const std::string a = proc::read_file(audit);
  CHECK(a.find("\"kind\":\"operator_write\",\"t_s\":1.500,\"client\":\"127.0.0.1\","
               "\"register\":\"import_limit_mw\",\"old\":0.000,\"new\":100.000") !=
        std::string::npos);
  CHECK(proc::occurrences(a, "\n") == 3);  // start, the write, stop
  CHECK(a.find("refusal") == std::string::npos);
  CHECK_FALSE(exists(dir + "/events.1.jsonl"));
  const std::string r = proc::read_file(refusals);
  CHECK(r.size() <= 10000);
  CHECK(exists(dir + "/events.refusals.2.jsonl"));
  CHECK_FALSE(exists(dir + "/events.refusals.3.jsonl"));
  CHECK(r.find("\"kind\":\"refusal\",\"t_s\":3.000,\"device\":\"turbine.2\",\"what\":\"start\"") !=
        std::string::npos);
  CHECK(r.find("\"kind\":\"refusal_summary\",\"t_s\":4.000,\"source\":\"127.0.0.2\","
               "\"suppressed\":19999,\"window_s\":60.000,\"all_sources\":false}") !=
        std::string::npos);
  // Every line of both is JSON, by python3's parser.
  int status = -1;
  const std::string out = proc::run_command(
      "/usr/bin/python3 -c \"import json,glob\n"
      "n=0\n"
      "for f in glob.glob('" +
          dir +
          "/*.jsonl'):\n"
          "  for l in open(f): json.loads(l); n+=1\n"
          "print(n)\" 2>&1",
      &status);
  CHECK(status == 0);
  CHECK(std::stoi(out) > 3);
}

TEST_CASE("a journal that cannot be written raises event_journal_failed; it clears when it can",
          "[journal][alarms]") {
  site::LoadResult r = site::load_site_file(test::preset_path("colossus-100k.toml"));
  REQUIRE(r.site);
  test::ClosedLoop loop(*r.site);
  const fw::AlarmId id = fw::AlarmId::kEventJournalFailed;
  loop.run_for(2);
  CHECK(loop.controller.alarms().state(id) == fw::AlarmState::kNormal);
  loop.op.event_journal_failed = true;
  loop.run_for(1);
  CHECK(loop.controller.alarms().state(id) == fw::AlarmState::kUnacked);
  CHECK(fw::alarm_info(id).priority == fw::AlarmPriority::kHigh);
  loop.op.event_journal_failed = false;
  loop.run_for(fw::alarm_info(id).off_delay_s + 1);
  CHECK(loop.controller.alarms().state(id) == fw::AlarmState::kClearedUnacked);
}
