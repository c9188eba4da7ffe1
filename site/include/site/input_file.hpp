// Reading a whole input file (a site, scenario, state or campaign file) with the
// checks every loader needs, in one place:
// - regular files only: a FIFO, a device (/dev/zero) or a directory is refused. The
//   file is opened with O_NONBLOCK and checked with fstat, so a FIFO never blocks;
// - at most a size stated per kind of file, checked before and while reading, so a
//   huge file costs no memory;
// - no NUL byte: these are text files, and a file padded with NULs is not whole;
// - errors that say which file, what is wrong and what is allowed.
#pragma once

#include <cstddef>
#include <string>

namespace site {

struct InputFileKind {
  const char* name;  // "site file", for messages
  std::size_t max_bytes;
};

// Site and scenario files: the 1M-GPU preset is about 10 KiB, and even a site
// with every pod group written out by hand stays far below this.
inline constexpr InputFileKind kSiteFile{"site file", std::size_t{4} << 20};
inline constexpr InputFileKind kScenarioFile{"scenario file", std::size_t{4} << 20};
// plantd's state file: a few counters per turbine unit (about 80 bytes per unit).
inline constexpr InputFileKind kStateFile{"state file", std::size_t{64} << 10};
// A campaign shard's results: one JSON line (about 200 bytes) per seed.
inline constexpr InputFileKind kCampaignFile{"campaign result file", std::size_t{256} << 20};

enum class ReadStatus { kOk, kMissing, kRefused };

struct InputText {
  ReadStatus status = ReadStatus::kRefused;
  std::string text;   // the contents, when kOk
  std::string error;  // "not a regular file (a FIFO): ...", without the path
};

InputText read_input_file(const std::string& path, const InputFileKind& kind);

// "4 MiB", "64 KiB", "123 bytes": for messages and docs.
std::string format_bytes(std::size_t bytes);

}  // namespace site
