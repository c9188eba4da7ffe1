// The fault campaign on the 100k site (100 seeds in tools/plant test, 1,000 in
// tools/plant test --long), as a batch engine runs it: GNU
// parallel starts one `plantctl campaign run` per shard, each writes its result
// file, and `plantctl campaign merge` checks every seed ran once and held.
#include <unistd.h>
#include <catch2/catch.hpp>

#include <string>

#include "process.hpp"

namespace {
const std::string kSource = PLANT_SOURCE_DIR;

void campaign(const int seeds) {
  const std::string n = std::to_string(seeds);
  const std::string dir = "/tmp/plant-campaign-" + std::to_string(getpid());
  proc::run_command("rm -rf " + dir + " && mkdir -p " + dir);
  int status = -1;
  const std::string run = proc::run_command(
      "parallel --halt never -j 2 '" + std::string(PLANTCTL_PATH) + " campaign run --config " +
          kSource + "/config/colossus-100k.toml --seeds " + n + " --shard {}/4 --out " + dir +
          "/shard-{}.jsonl' ::: 1 2 3 4 2>&1",
      &status);
  INFO(run);
  CHECK(status == 0);  // every shard held every invariant
  const std::string merged =
      proc::run_command(std::string(PLANTCTL_PATH) + " campaign merge --seeds " + n + " " + dir +
                            "/shard-*.jsonl 2>&1",
                        &status);
  INFO(merged);
  CHECK(status == 0);
  CHECK(merged.find(n + " seeds from 4 files: " + n +
                    " passed, 0 failed, 0 missing, 0 run twice") != std::string::npos);
  // A shard missing is caught by the merge.
  const std::string partial = proc::run_command(
      std::string(PLANTCTL_PATH) + " campaign merge --seeds " + n + " " + dir + "/shard-1.jsonl " +
          dir + "/shard-2.jsonl " + dir + "/shard-3.jsonl 2>&1",
      &status);
  CHECK(status != 0);
  CHECK(partial.find(std::to_string(seeds / 4) + " missing") != std::string::npos);
  proc::run_command("rm -rf " + dir);
}
}  // namespace

TEST_CASE("fault campaign: 100 seeds in 4 shards under GNU parallel, merged",
          "[integration][campaign]") {
  campaign(100);
}

TEST_CASE("fault campaign: 1,000 seeds in 4 shards under GNU parallel, merged",
          "[integration][campaign][long]") {
  campaign(1000);
}
