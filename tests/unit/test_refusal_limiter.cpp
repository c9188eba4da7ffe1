// The refusal limiter with the time injected: per source, the first refusal of
// a minute in full and one summary of the rest; the least recently seen source
// evicted from a full table (its count written first); a line budget over every
// source; every refusal accounted for; no allocation per refusal.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "refusal_audit.hpp"
#include "refusal_limiter.hpp"

namespace {

using runtime::RefusalLimiter;
using runtime::RefusalLimits;
using runtime::RefusalSummary;

struct Written {
  std::uint64_t key;
  std::string label;
  std::uint64_t suppressed;
  double window_start_s;
  bool all_sources;
};

struct Sink {
  std::vector<Written> summaries;
  void operator()(const RefusalSummary& s) {
    summaries.push_back(
        {s.key, std::string(s.label), s.suppressed, s.window_start_s, s.all_sources});
  }
  std::uint64_t suppressed_total() const {
    std::uint64_t n = 0;
    for (const Written& w : summaries)
      n += w.suppressed;
    return n;
  }
};

}  // namespace

TEST_CASE("N refusals from one client in a minute: 1 in full, then 1 summary of N - 1",
          "[refusals]") {
  RefusalLimiter limiter;
  Sink sink;
  const int n = 100000;
  int full_a = 0, full_b = 0;
  for (int i = 0; i < n; ++i) {
    const double t = 1000 + 59.0 * i / n;  // all inside one minute
    full_a += limiter.admit(0x7f000002, "127.0.0.2", t, sink);
    if (i % 10 == 0) full_b += limiter.admit(0x0a000014, "10.0.0.20", t, sink);
  }
  CHECK(full_a == 1);
  CHECK(full_b == 1);
  limiter.expire(1059.5, sink);  // the windows have not ended
  CHECK(sink.summaries.empty());
  limiter.expire(1060.0, sink);
  REQUIRE(sink.summaries.size() == 2);
  for (const Written& w : sink.summaries) {
    CHECK(w.window_start_s == 1000);
    CHECK_FALSE(w.all_sources);
    if (w.label == "127.0.0.2") CHECK(w.suppressed == n - 1);
    if (w.label == "10.0.0.20") CHECK(w.suppressed == n / 10 - 1);
  }
  CHECK(limiter.refusals() == n + n / 10);
  CHECK(limiter.suppressed() == n - 1 + n / 10 - 1);
  CHECK(limiter.refusals_from(0x7f000002) == n);
  limiter.expire(2000, sink);  // nothing more to say
  CHECK(sink.summaries.size() == 2);

  // The next minute: the first refusal in full again; one refusal alone has no summary.
  CHECK(limiter.admit(0x7f000002, "127.0.0.2", 2001, sink));
  limiter.flush(sink);
  CHECK(sink.summaries.size() == 2);
}

TEST_CASE("a refusal after its source's window ended, not yet expired, writes the summary first",
          "[refusals]") {
  RefusalLimiter limiter;
  Sink sink;
  CHECK(limiter.admit(1, "a", 0, sink));
  CHECK_FALSE(limiter.admit(1, "a", 10, sink));
  CHECK_FALSE(limiter.admit(1, "a", 59.9, sink));
  CHECK(sink.summaries.empty());
  CHECK(limiter.admit(1, "a", 60, sink));  // a new window
  REQUIRE(sink.summaries.size() == 1);
  CHECK(sink.summaries[0].suppressed == 2);
  CHECK_FALSE(limiter.admit(1, "a", 61, sink));
  limiter.flush(sink);  // at stop: the open window's count, though it has not ended
  REQUIRE(sink.summaries.size() == 2);
  CHECK(sink.summaries[1].suppressed == 1);
  CHECK(sink.summaries[1].window_start_s == 60);
}

TEST_CASE("a full table evicts the least recently seen source, writing its count first",
          "[refusals]") {
  RefusalLimits limits;
  limits.sources = 3;
  RefusalLimiter limiter(limits);
  Sink sink;
  for (std::uint64_t k = 1; k <= 3; ++k) {
    CHECK(limiter.admit(k, "s" + std::to_string(k), 0, sink));
    CHECK_FALSE(limiter.admit(k, "s" + std::to_string(k), 1, sink));
  }
  CHECK_FALSE(limiter.admit(1, "s1", 2, sink));  // s2 is now the least recently seen
  CHECK(limiter.evictions() == 0);
  CHECK(limiter.admit(4, "s4", 3, sink));
  CHECK(limiter.evictions() == 1);
  REQUIRE(sink.summaries.size() == 1);
  CHECK(sink.summaries[0].label == "s2");
  CHECK(sink.summaries[0].suppressed == 1);
  CHECK(limiter.refusals_from(2) == 0);  // gone
  CHECK(limiter.refusals_from(1) == 3);
  // s2 again: a new source to the table, so in full (and s3 goes).
  CHECK(limiter.admit(2, "s2", 4, sink));
  CHECK(limiter.evictions() == 2);
  CHECK(sink.summaries.back().label == "s3");
  // A label longer than the table keeps is cut, not overrun.
  const std::string long_label(200, 'x');
  CHECK(limiter.admit(9, long_label, 5, sink));
  CHECK_FALSE(limiter.admit(9, long_label, 6, sink));
  limiter.flush(sink);
  CHECK(sink.summaries.back().label == std::string(RefusalLimiter::kLabelBytes, 'x'));
}

TEST_CASE("over every source, at most max_lines lines a window, and every refusal counted",
          "[refusals]") {
  RefusalLimits limits;
  limits.sources = 16;
  limits.max_lines = 10;
  RefusalLimiter limiter(limits);
  // Pseudo-random sources (more than the table holds) over five minutes.
  std::uint64_t x = 88172645463325252ULL;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  std::uint64_t full = 0, suppressed = 0;
  std::vector<int> lines_per_minute(7, 0);
  double t = 0;
  auto count = [&](const RefusalSummary& s) {
    suppressed += s.suppressed;
    ++lines_per_minute[static_cast<std::size_t>(t / 60)];
  };
  const int n = 50000;
  for (int i = 0; i < n; ++i) {
    t = 300.0 * i / n;
    if (limiter.admit(next() % 40, "client", t, count)) {
      ++full;
      ++lines_per_minute[static_cast<std::size_t>(t / 60)];
    }
    if (i % 500 == 0) limiter.expire(t, count);
  }
  t = 300;
  limiter.flush(count);
  CHECK(limiter.refusals() == static_cast<std::uint64_t>(n));
  CHECK(full + suppressed == static_cast<std::uint64_t>(n));  // none lost, none twice
  CHECK(limiter.suppressed() == n - full);
  CHECK(limiter.evictions() > 0);
  // The budget's windows start at its first line, so a calendar minute here may
  // hold the end of one and the start of the next: at most twice (10 + 1).
  for (int lines : lines_per_minute)
    CHECK(lines <= 2 * (10 + 1));
  CHECK(lines_per_minute[0] <= 10 + 1);  // the first window starts at t = 0
}

TEST_CASE("a refusal past the limit allocates nothing", "[refusals][alloc]") {
  runtime::RefusalAudit audit(nullptr);
  const std::string client = "127.0.0.2";
  audit.scada_write(0, 0, client, "import_limit_mw", 0, 100, 1, "not allowed");  // in full
  const long before = alloc_counter::allocations();
  for (int i = 0; i < 10000; ++i) {
    audit.scada_write(0, 1 + i * 1e-3, client, "import_limit_mw", 0, 100, 1, "not allowed");
    audit.scada_request(0, 1 + i * 1e-3, client, "function 5", 1);
  }
  audit.expire(0, 20);
  CHECK(alloc_counter::allocations() == before);
  const runtime::RefusalCounts c = audit.counts();
  CHECK(c.scada_writes == 10001);
  CHECK(c.scada_requests == 10000);
  CHECK(c.suppressed == 20000);
  // Writes and requests of one client share its limit; devices have their own keys.
  CHECK(audit.limiter().refusals_from(runtime::RefusalAudit::client_key(client)) == 20001);
  CHECK(runtime::RefusalAudit::client_key("127.0.0.2") == 0x7f000002);
  CHECK(runtime::RefusalAudit::client_key("unknown") == runtime::RefusalAudit::client_key("?"));
  CHECK(runtime::RefusalAudit::device_key("pod", 1) != runtime::RefusalAudit::device_key("pod", 2));
  CHECK(runtime::RefusalAudit::device_key("pod", 1) > 0xffffffffULL);
}
