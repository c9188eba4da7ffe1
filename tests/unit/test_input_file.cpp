// The one reader of input files (site/input_file.hpp): regular files only, a size
// limit per kind, no NUL bytes, and errors that say what is allowed. The cases are
// the tester's (issue 13): a FIFO, /dev/zero, a 1 GiB file, trailing NULs, a file
// the reader may not open.
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "site/input_file.hpp"
#include "site/load.hpp"
#include "state_file.hpp"
#include "test_sites.hpp"

namespace {

struct Dir {
  std::string path = "/tmp/plant-input-" + std::to_string(getpid());
  Dir() {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
    std::filesystem::permissions(path, std::filesystem::perms::all);  // for the nobody child
  }
  ~Dir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return path + "/" + name; }
};

// Runs `check` in a child process, bounded: a read that blocks (a FIFO opened
// without O_NONBLOCK) fails the test instead of hanging it. True when the child
// exited with 0 in time.
bool in_child_within(int seconds, const std::function<bool()>& check, bool as_nobody = false) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (as_nobody) {
      const passwd* nobody = getpwnam("nobody");
      if (!nobody || setgid(nobody->pw_gid) != 0 || setuid(nobody->pw_uid) != 0) _exit(3);
    }
    _exit(check() ? 0 : 1);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a FIFO is refused at once, never waited on", "[input-file]") {
  Dir d;
  const std::string fifo = d.file("site.toml");
  REQUIRE(mkfifo(fifo.c_str(), 0644) == 0);
  CHECK(in_child_within(10, [&] {
    const site::InputText in = site::read_input_file(fifo, site::kSiteFile);
    return in.status == site::ReadStatus::kRefused &&
           contains(in.error, "not a regular file (a FIFO)") &&
           contains(in.error, "a site file must be a regular file of at most 4 MiB");
  }));
  // The loaders say it with the file's name.
  CHECK(in_child_within(10, [&] {
    const site::LoadResult r = site::load_site_file(fifo);
    return !r.site && r.errors.size() == 1 && r.errors[0].file == fifo &&
           contains(r.errors[0].str(), "not a regular file");
  }));
}

TEST_CASE("a device, a directory and a missing file are refused with what they are",
          "[input-file]") {
  site::InputText in = site::read_input_file("/dev/zero", site::kStateFile);
  CHECK(in.status == site::ReadStatus::kRefused);
  CHECK_THAT(in.error, Catch::Contains("not a regular file (a character device)"));
  in = site::read_input_file("/tmp", site::kSiteFile);
  CHECK_THAT(in.error, Catch::Contains("not a regular file (a directory)"));
  in = site::read_input_file("/nonexistent/site.toml", site::kSiteFile);
  CHECK(in.status == site::ReadStatus::kMissing);
  CHECK_THAT(in.error, Catch::Contains("no such file"));
  const site::LoadResult r = site::load_site_file("/dev/zero");
  REQUIRE(r.errors.size() == 1);
  CHECK_THAT(r.errors[0].str(), Catch::Contains("/dev/zero"));
  CHECK_THAT(r.errors[0].str(), Catch::Contains("character device"));
}

TEST_CASE("a file above its kind's limit is refused without reading it", "[input-file]") {
  Dir d;
  const std::string big = d.file("state.toml");
  // 1 GiB, sparse: a reader that loaded it would take a gigabyte of memory.
  { std::ofstream(big) << "x"; }
  std::filesystem::resize_file(big, std::size_t{1} << 30);
  site::InputText in = site::read_input_file(big, site::kStateFile);
  CHECK(in.status == site::ReadStatus::kRefused);
  CHECK(in.error == "larger than 64 KiB, the limit for a state file");
  in = site::read_input_file(big, site::kSiteFile);
  CHECK(in.error == "larger than 4 MiB, the limit for a site file");
  // At the limit exactly is accepted; one byte more is not.
  std::filesystem::resize_file(big, 0);
  { std::ofstream(big) << std::string(site::kStateFile.max_bytes, '#'); }
  in = site::read_input_file(big, site::kStateFile);
  CHECK(in.status == site::ReadStatus::kOk);
  CHECK(in.text.size() == site::kStateFile.max_bytes);
  { std::ofstream(big, std::ios::app) << "#"; }
  CHECK(site::read_input_file(big, site::kStateFile).status == site::ReadStatus::kRefused);
}

TEST_CASE("a NUL byte is refused, with where it is", "[input-file]") {
  Dir d;
  const std::string path = d.file("site.toml");
  {
    std::ofstream out(path, std::ios::binary);
    out << "name = \"x\"\n";
    out.write("\0\0\0", 3);
  }
  const site::InputText in = site::read_input_file(path, site::kSiteFile);
  CHECK(in.status == site::ReadStatus::kRefused);
  CHECK_THAT(in.error, Catch::Contains("a NUL byte at byte 11"));
}

TEST_CASE("a file the reader may not open says permission denied", "[input-file]") {
  Dir d;
  const std::string path = d.file("state.toml");
  { std::ofstream(path) << "format = 1\n"; }
  std::filesystem::permissions(path, std::filesystem::perms::none);
  // root reads any file: check as nobody then.
  const bool root = geteuid() == 0;
  CHECK(in_child_within(
      10,
      [&] {
        const site::InputText in = site::read_input_file(path, site::kStateFile);
        return in.status == site::ReadStatus::kRefused &&
               in.error == "cannot open file: permission denied";
      },
      root));
}

// The state file's loader (firmware/runtime/persistence): an unreadable file is
// not "missing", and a device or FIFO in its place does not hang or abort plantd.
TEST_CASE("the state file loader names what is wrong with each candidate", "[input-file][state]") {
  const site::LoadResult loaded = site::load_site_file(test::preset_path("colossus-100k.toml"));
  REQUIRE(loaded.site);
  const site::Site& s = *loaded.site;
  Dir d;
  const std::string path = d.file("state.toml");
  std::string error;
  REQUIRE(runtime::StateFile(path, s).init(error));
  std::filesystem::permissions(path, std::filesystem::perms::none);
  const bool root = geteuid() == 0;
  CHECK(in_child_within(
      10,
      [&] {
        const runtime::StateLoad l = runtime::StateFile(path, s).load();
        return !l.restored &&
               contains(l.problems, path + ": cannot open file: permission denied") &&
               !contains(l.problems, "missing");
      },
      root));
  std::filesystem::remove(path);
  REQUIRE(mkfifo(path.c_str(), 0644) == 0);
  CHECK(in_child_within(10, [&] {
    const runtime::StateLoad l = runtime::StateFile(path, s).load();
    return !l.restored && contains(l.problems, path + ": not a regular file (a FIFO)");
  }));
  // --init-state does not replace what it cannot read.
  CHECK_FALSE(runtime::StateFile(path, s).init(error));
  CHECK_THAT(error, Catch::Contains("exists (not a regular file"));
  const runtime::StateLoad zero = runtime::StateFile("/dev/zero", s).load();
  CHECK_FALSE(zero.restored);
  CHECK_THAT(zero.problems, Catch::Contains("/dev/zero: not a regular file (a character device)"));
}
