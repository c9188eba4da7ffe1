// What makes a hot-standby pair's heartbeat trustworthy (docs/operations.md):
// the shared key, read from a file only its owner may read; the HMAC-SHA256 tag
// every datagram carries, compared in constant time; and the site fingerprint,
// so that two nodes with different site models know it. The cryptography is
// OpenSSL's (libcrypto), not ours.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "site/site.hpp"

namespace runtime {

constexpr std::size_t kMinPairKeyBytes = 32;  // 256 bits: SHA-256's own strength
constexpr std::size_t kMaxPairKeyBytes = 4096;
constexpr std::size_t kTagBytes = 32;  // HMAC-SHA256, untruncated

// The key file's bytes, every one of them (a trailing newline is part of the
// key: both nodes hold the same file). Throws std::runtime_error naming the file
// and what is wrong: missing or unreadable, not a regular file, readable or
// writable by group or others (mode 0600 or 0400 is required, as ssh requires of
// a private key), owned by another user than root or this process's, shorter
// than kMinPairKeyBytes or longer than kMaxPairKeyBytes.
std::vector<unsigned char> read_pair_key(const std::string& path);

using Tag = std::array<unsigned char, kTagBytes>;
// HMAC-SHA256 of `data` under `key`.
Tag heartbeat_tag(const std::vector<unsigned char>& key, const void* data, std::size_t n);
// Constant time in the tag's content (CRYPTO_memcmp): a forger learns nothing
// from how long a refusal takes.
bool tags_equal(const Tag& a, const unsigned char* b);

// The first 8 bytes of SHA-256 over site::canonical_model(s), as 16 hex digits.
std::string site_fingerprint(const site::Site& s);

}  // namespace runtime
