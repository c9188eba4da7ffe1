#include "site/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace site {

namespace {

const char* file_type(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a plain file";
}

std::string open_error(int error) {
  switch (error) {
    case EACCES:
    case EPERM:
      return "cannot open file: permission denied";
    case ENOENT:
      return "cannot open file: no such file";
    case ENOTDIR:
      return "cannot open file: a part of the path is not a directory";
    default:
      return std::string("cannot open file: ") + std::strerror(error);
  }
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string format_bytes(std::size_t bytes) {
  if (bytes >= (std::size_t{1} << 20) && bytes % (std::size_t{1} << 20) == 0)
    return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= (std::size_t{1} << 10) && bytes % (std::size_t{1} << 10) == 0)
    return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

InputText read_input_file(const std::string& path, const InputFileKind& kind) {
  InputText out;
  const std::string allowed = std::string("a ") + kind.name +
                              " must be a regular file of at most " + format_bytes(kind.max_bytes);
  // O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
  const Fd f{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)};
  if (f.fd < 0) {
    const int error = errno;
    out.status = error == ENOENT ? ReadStatus::kMissing : ReadStatus::kRefused;
    out.error = open_error(error);
    return out;
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return out.error = open_error(errno), out;
  if (!S_ISREG(st.st_mode))
    return out.error =
               std::string("not a regular file (") + file_type(st.st_mode) + "): " + allowed,
           out;
  const auto larger = [&] {
    return std::string("larger than ") + format_bytes(kind.max_bytes) + ", the limit for a " +
           kind.name;
  };
  if (static_cast<unsigned long long>(st.st_size) > kind.max_bytes)
    return out.error = larger(), out;
  // Read to the limit and one byte more: a file that grows meanwhile is caught too.
  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size) + 1);
  char chunk[16384];
  for (;;) {
    const ssize_t n = ::read(f.fd, chunk, sizeof chunk);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return out.error = std::string("cannot read: ") + std::strerror(errno), out;
    }
    if (text.size() + static_cast<std::size_t>(n) > kind.max_bytes)
      return out.error = larger(), out;
    text.append(chunk, static_cast<std::size_t>(n));
  }
  if (const std::size_t nul = text.find('\0'); nul != std::string::npos)
    return out.error = "a NUL byte at byte " + std::to_string(nul) + ": a " + kind.name +
                       " is text, and one padded with NULs is not whole",
           out;
  out.status = ReadStatus::kOk;
  out.text = std::move(text);
  return out;
}

}  // namespace site
