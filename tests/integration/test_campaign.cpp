// The 1,000-seed fault campaign on the 100k site, as a batch engine runs it: GNU
// parallel starts one `plantctl campaign run` per shard, each writes its result
// file, and `plantctl campaign merge` checks every seed ran once and held.
#include <unistd.h>
#include <catch2/catch.hpp>

#include <string>

#include "process.hpp"

namespace {
const std::string kSource = PLANT_SOURCE_DIR;
}

TEST_CASE("fault campaign: 1,000 seeds in 4 shards under GNU parallel, merged",
          "[integration][campaign]") {
  const std::string dir = "/tmp/plant-campaign-" + std::to_string(getpid());
  proc::run_command("rm -rf " + dir + " && mkdir -p " + dir);
  int status = -1;
  const std::string run = proc::run_command(
      "parallel --halt never -j 2 '" + std::string(PLANTCTL_PATH) + " campaign run --config " +
          kSource + "/config/colossus-100k.toml --seeds 1000 --shard {}/4 --out " + dir +
          "/shard-{}.jsonl' ::: 1 2 3 4 2>&1",
      &status);
  INFO(run);
  CHECK(status == 0);  // every shard held every invariant
  const std::string merged = proc::run_command(
      std::string(PLANTCTL_PATH) + " campaign merge --seeds 1000 " + dir + "/shard-*.jsonl 2>&1",
      &status);
  INFO(merged);
  CHECK(status == 0);
  CHECK(merged.find("1000 seeds from 4 files: 1000 passed, 0 failed, 0 missing, 0 run twice") !=
        std::string::npos);
  // A shard missing is caught by the merge.
  const std::string partial = proc::run_command(
      std::string(PLANTCTL_PATH) + " campaign merge --seeds 1000 " + dir + "/shard-1.jsonl " + dir +
          "/shard-2.jsonl " + dir + "/shard-3.jsonl 2>&1",
      &status);
  CHECK(status != 0);
  CHECK(partial.find("250 missing") != std::string::npos);
  proc::run_command("rm -rf " + dir);
}
