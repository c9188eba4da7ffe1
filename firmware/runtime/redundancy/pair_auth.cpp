#include "pair_auth.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace runtime {

namespace {

std::runtime_error key_error(const std::string& path, const std::string& what) {
  return std::runtime_error("the pair's key file " + path + " ([redundancy] key_file) " + what);
}

// Closes the descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::vector<unsigned char> read_pair_key(const std::string& path) {
  const Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) throw key_error(path, std::string("cannot be opened: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(f.fd, &st) != 0)
    throw key_error(path, std::string("cannot be examined: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw key_error(path, "is not a regular file");
  const unsigned mode = st.st_mode & 07777;
  if ((mode & 077) != 0) {
    char found[8];
    std::snprintf(found, sizeof found, "%04o", mode);
    throw key_error(path, std::string("is accessible to group or others (mode ") + found +
                              "): it must be readable by its owner only, mode 0600 or 0400 "
                              "(chmod 600 " +
                              path + ")");
  }
  if (st.st_uid != 0 && st.st_uid != ::geteuid())
    throw key_error(path, "belongs to user " + std::to_string(st.st_uid) +
                              ": it must belong to root or to the user plantd runs as (" +
                              std::to_string(::geteuid()) + ")");
  std::vector<unsigned char> key(kMaxPairKeyBytes + 1);
  std::size_t n = 0;
  while (n < key.size()) {
    const ssize_t got = ::read(f.fd, key.data() + n, key.size() - n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw key_error(path, std::string("cannot be read: ") + std::strerror(errno));
    if (got == 0) break;
    n += static_cast<std::size_t>(got);
  }
  if (n < kMinPairKeyBytes)
    throw key_error(path, "holds " + std::to_string(n) + " bytes: a key needs at least " +
                              std::to_string(kMinPairKeyBytes) + " (head -c 32 /dev/urandom > " +
                              path + ")");
  if (n > kMaxPairKeyBytes)
    throw key_error(path, "is longer than " + std::to_string(kMaxPairKeyBytes) +
                              " bytes: is it the right file?");
  key.resize(n);
  return key;
}

Tag heartbeat_tag(const std::vector<unsigned char>& key, const void* data, std::size_t n) {
  Tag tag{};
  unsigned int len = 0;
  // HMAC() is OpenSSL 3's one-shot HMAC (not deprecated, unlike HMAC_CTX).
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            static_cast<const unsigned char*>(data), n, tag.data(), &len) ||
      len != kTagBytes)
    throw std::runtime_error("HMAC-SHA256 failed");  // libcrypto out of memory
  return tag;
}

bool tags_equal(const Tag& a, const unsigned char* b) {
  return CRYPTO_memcmp(a.data(), b, kTagBytes) == 0;
}

std::string site_fingerprint(const site::Site& s) {
  const std::string text = site::canonical_model(s);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr) || len < 8)
    throw std::runtime_error("SHA-256 failed");
  char hex[17];
  for (int i = 0; i < 8; ++i)
    std::snprintf(hex + 2 * i, 3, "%02x", md[i]);
  return std::string(hex, 16);
}

}  // namespace runtime
