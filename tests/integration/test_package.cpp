// The Debian package: CPack builds it from this build tree; unpacked into a
// staging root it holds the binaries, the systemd unit and the example site (a
// conffile), and the unpacked plantd runs and accepts that site; apt resolves
// its dependencies on this Debian 12 (a simulated install: nothing changes).
#include <unistd.h>
#include <catch2/catch.hpp>

#include <string>

#include "process.hpp"

TEST_CASE("the .deb builds, unpacks into a staging root, and its plantd runs",
          "[integration][package]") {
  const std::string build = PLANT_BINARY_DIR;
  int status = -1;
  std::string out = proc::run_command("cd " + build + " && cpack -G DEB 2>&1", &status);
  INFO(out);
  REQUIRE(status == 0);
  const std::string deb = build + "/plantd_" + PLANT_VERSION + "_amd64.deb";
  REQUIRE(proc::read_file(deb).size() > 100000);

  const std::string root = "/tmp/plant-stage-" + std::to_string(getpid());
  proc::run_command("rm -rf " + root);
  out = proc::run_command("dpkg-deb -x " + deb + " " + root + " 2>&1", &status);
  REQUIRE(status == 0);
  for (const char* file :
       {"/usr/bin/plantd", "/usr/bin/plantsim", "/usr/bin/plantctl",
        "/usr/lib/systemd/system/plantd.service", "/etc/plantd/site.toml",
        "/usr/share/plantd/scenarios/grid-outage.toml", "/usr/share/doc/plantd/operations.md"}) {
    INFO(file);
    CHECK(access((root + file).c_str(), R_OK) == 0);
  }
  out = proc::run_command("dpkg-deb -f " + deb + " Depends; dpkg-deb --ctrl-tarfile " + deb +
                          " | tar -xO ./conffiles");
  CHECK(out.find("libmodbus5") != std::string::npos);
  CHECK(out.find("libsystemd0") != std::string::npos);
  CHECK(out.find("/etc/plantd/site.toml") != std::string::npos);

  out = proc::run_command(root + "/usr/bin/plantd --version", &status);
  CHECK(status == 0);
  CHECK(out.find(std::string("plantd ") + PLANT_VERSION) != std::string::npos);
  out = proc::run_command(
      root + "/usr/bin/plantd --check-config --config " + root + "/etc/plantd/site.toml 2>&1",
      &status);
  INFO(out);
  CHECK(status == 0);
  // The scenarios find their site where the package puts it (../config).
  out = proc::run_command(root + "/usr/bin/plantctl scenario run " + root +
                              "/usr/share/plantd/scenarios/fail-to-start.toml 2>&1",
                          &status);
  CHECK(status == 0);

  out = proc::run_command("apt-get install --simulate " + deb + " 2>&1", &status);
  INFO(out);
  CHECK(status == 0);
  CHECK(out.find("Inst plantd") != std::string::npos);
}
