// The server core's connection rules and counters (hal/tcp_server.hpp), apart
// from Asio: what a register table or a log line shows of a server.
#pragma once

#include <cstdint>

namespace hal::server {

struct Limits {
  int max_clients = 64;
  int max_per_address = 16;
  double idle_timeout_s = 60;
  int frame_timeout_ms = 1000;
};

struct Counters {
  std::uint64_t connections = 0;  // accepted
  std::uint64_t refused = 0;      // closed at once: over max_per_address
  std::uint64_t evicted = 0;      // closed for a new client, at max_clients
  std::uint64_t closed_idle = 0;  // no whole request for idle_timeout_s
  std::uint64_t closed_slow = 0;  // a frame unfinished after frame_timeout_ms, or a reply not taken
  std::uint64_t bad_frames = 0;   // malformed: closed
  std::uint64_t requests = 0;     // whole frames answered (or left silent)
  std::uint64_t exceptions = 0;   // requests answered with an exception
  std::uint64_t unanswered = 0;   // requests the service left silent
  std::uint64_t accept_errors = 0;
  int clients = 0;  // connected now
};

}  // namespace hal::server
