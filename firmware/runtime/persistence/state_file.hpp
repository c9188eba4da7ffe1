// The counters that must outlive plantd: each unit's starts, stops and run hours,
// the permit's rolling NOx, and the curtailed GPU energy. Kept in one small TOML
// file with a CRC-32 of its body, written atomically: a temporary file, fsync,
// the previous generation renamed to FILE.bak, the temporary renamed over FILE,
// fsync of the directory. Power lost at any moment leaves FILE, FILE.tmp or
// FILE.bak whole; the loader takes the newest whole one (by its sequence number).
//
// When none is whole, or the file is for another site, the counters are taken at
// their conservative values (every start, stop and the NOx cap spent: the permit
// is never overrun on a guess) and the persistence alarm stays raised until an
// operator restores the file or initialises it (`plantd --init-state`).
// After an unclean stop (kill -9, power loss), the NOx that could have been
// emitted since the last save, every unit at full fuel for one save interval,
// is added: conservative again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fw/controller.hpp"
#include "site/site.hpp"

namespace runtime {

struct PersistentState {
  std::uint64_t sequence = 0;  // counts saves; the newest whole generation wins
  bool clean_stop = false;     // written by a stop that ran to its end
  double save_interval_s = 10;
  fw::PermitUsage usage;  // starts, stops, run hours per unit; rolling NOx
  double curtailed_mwh = 0;
};

struct StateLoad {
  PersistentState state;
  bool restored = false;        // false: conservative values, the alarm raised
  std::string from;             // the file the state came from
  std::string problems;         // what was wrong with each candidate, one per line
  double nox_allowance_kg = 0;  // added for an unclean stop
};

// CRC-32 (IEEE 802.3, as zlib and PNG), for the file's checksum line.
std::uint32_t crc32(const std::string& bytes);

// The file's text, checksum line included.
std::string render_state(const PersistentState& s, const site::Site& site);
// Parses one generation's text: false, with the reasons in `problem`, when it is
// not whole (checksum), not for this site, or out of range.
bool parse_state(const std::string& text, const std::string& file, const site::Site& site,
                 PersistentState& out, std::string& problem);

// Full NOx rate of every unit, kg/s: the allowance per second not saved.
double max_nox_rate_kg_per_s(const site::Site& site);
// The counters at their conservative values for `site`.
PersistentState conservative_state(const site::Site& site);

class StateFile {
 public:
  StateFile(std::string path, const site::Site& site) : path_(std::move(path)), site_(site) {}

  StateLoad load() const;
  // Atomically replaces the file; false (with errno's text in `error`) when any step
  // failed, in which case the previous generation is still whole.
  bool save(const PersistentState& s, std::string& error) const;
  // A zero state for a new installation; false when a file is already there.
  bool init(std::string& error) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const site::Site& site_;
};

}  // namespace runtime
