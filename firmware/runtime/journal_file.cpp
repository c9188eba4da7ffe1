#include "journal_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace runtime {

JournalFile::JournalFile(std::string path, std::size_t max_bytes, std::size_t max_files)
    : path_(std::move(path)), max_bytes_(max_bytes), max_files_(max_files) {
  open(false);
}

JournalFile::~JournalFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t extension_at(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  const std::size_t dot = path.find_last_of('.');
  const std::size_t name = slash == std::string::npos ? 0 : slash + 1;
  if (dot == std::string::npos || dot <= name || dot == path.size() - 1) return std::string::npos;
  return dot;
}

std::string JournalFile::name(std::size_t index) const {
  if (index == 0) return path_;
  const std::size_t dot = extension_at(path_);
  const std::string n = "." + std::to_string(index);
  return dot == std::string::npos ? path_ + n : path_.substr(0, dot) + n + path_.substr(dot);
}

bool JournalFile::fail(const std::string& what) {
  error_ = what + ": " + std::strerror(errno);
  return false;
}

bool JournalFile::open(bool truncate) {
  if (fd_ >= 0) ::close(fd_);
  // O_NONBLOCK: a FIFO with no reader fails at once (ENXIO) instead of hanging
  // plantd; one with a reader is refused below, as is anything but a file or a
  // character device (/dev/null).
  fd_ = ::open(path_.c_str(),
               O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK | (truncate ? O_TRUNC : 0),
               0644);
  if (fd_ < 0 && errno == ENXIO) {
    error_ = "cannot open " + path_ + ": a FIFO, not a regular file";
    return false;
  }
  if (fd_ < 0 && errno == ENOENT) {
    // Never created: a typo in --event-log must not make a tree where no one looks.
    const std::size_t slash = path_.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : path_.substr(0, slash ? slash : 1);
    error_ = "cannot open " + path_ + ": " + std::strerror(ENOENT) + ": the directory " + dir +
             " does not exist (plantd creates no directories for its files)";
    return false;
  }
  if (fd_ < 0) return fail("cannot open " + path_);
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode))) {
    ::close(fd_);
    fd_ = -1;
    error_ = "cannot open " + path_ + ": not a regular file";
    return false;
  }
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);  // a file's writes whole again
  if (truncate) cut_short_ = false;
  size_ = S_ISREG(st.st_mode) ? static_cast<std::size_t>(st.st_size) : 0;
  return true;
}

bool JournalFile::rotate() {
  // Oldest first: N-1 -> N (replacing it), ..., 0 -> 1; then a new file 0.
  for (std::size_t i = max_files_; i > 0; --i) {
    const std::string from = name(i - 1), to = name(i);
    struct stat st {};
    if (::stat(from.c_str(), &st) != 0) continue;  // not there yet
    if (::rename(from.c_str(), to.c_str()) != 0) return fail("cannot rotate " + from + " to " + to);
  }
  return open(true);
}

bool JournalFile::write_line(std::string_view line) {
  bool ok = fd_ >= 0 || open(false);
  // Rotate when the line would take the file past its size, unless the file is
  // empty (a line longer than the size gets a file of its own).
  if (ok && size_ > 0 && size_ + line.size() + 1 + (cut_short_ ? 1 : 0) > max_bytes_) ok = rotate();
  // After a half line that could not be cut back, this line starts on a line of its own.
  line_.assign(cut_short_ ? "\n" : "");
  line_.append(line.data(), line.size());
  line_ += '\n';
  std::size_t done = 0;
  while (ok && done < line_.size()) {
    const ssize_t n = ::write(fd_, line_.data() + done, line_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = fail("cannot write " + path_);
      // No half line left for the next one to run on from (a full disk takes
      // part of a line): cut the file back to where the line began.
      if (done > 0 && ::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
        size_ += done;
        cut_short_ = true;
      }
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (!ok) {
    ++lost_;
    return false;
  }
  size_ += done;
  cut_short_ = false;
  error_.clear();
  return true;
}

}  // namespace runtime
