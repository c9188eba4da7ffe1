// One file of the event journal: JSON lines appended with one write(2) each (no
// user-space buffer: a line written survives a crash of plantd), rotated by size
// as spdlog's rotating sink names its files (events.jsonl, events.1.jsonl, ...,
// events.N.jsonl, the highest the oldest).
//
// Never throws and never blocks on a retry: a failed write, rotation or open is
// reported through healthy() and error(), the line is counted as lost, and the
// next line tries again (reopening the file if it had to be closed). A line that
// would take the file past its size is not written while the rotation fails, so
// that the records already kept are never truncated to make room.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace runtime {

// Where the extension of the file name in `path` begins (its dot), or npos when
// it has none: spdlog's rule ("events.jsonl": 6; ".log", "events", "a.b/c": none).
std::size_t extension_at(const std::string& path);

class JournalFile {
 public:
  // Opens (appends to) `path`; healthy() is false, with error() saying why, when it cannot.
  JournalFile(std::string path, std::size_t max_bytes, std::size_t max_files);
  ~JournalFile();
  JournalFile(const JournalFile&) = delete;
  JournalFile& operator=(const JournalFile&) = delete;

  // Appends `line` and a newline; false (and counted as lost) when it could not.
  bool write_line(std::string_view line);

  bool healthy() const { return error_.empty(); }
  const std::string& error() const { return error_; }  // the latest failure, "" when healthy
  std::uint64_t lines_lost() const { return lost_; }
  const std::string& path() const { return path_; }
  // The name of rotated file `index` (0: the file written now).
  std::string name(std::size_t index) const;

 private:
  bool open(bool truncate);
  bool rotate();
  bool fail(const std::string& what);

  std::string path_;
  std::size_t max_bytes_, max_files_;
  int fd_ = -1;
  std::size_t size_ = 0;
  bool cut_short_ = false;  // the file ends in half a line
  std::string error_;
  std::uint64_t lost_ = 0;
  std::string line_;  // the line and its newline, one write (reused: no allocation per line)
};

}  // namespace runtime
