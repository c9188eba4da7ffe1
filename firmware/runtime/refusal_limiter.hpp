// How often refusals reach the journal and the log: the first refusal of each
// source (a SCADA client's address, a device) in a window of 60 s is written in
// full; the rest of that window's are counted, and one summary per source says
// how many when the window ends. Over every source together, at most
// `max_lines` records and summaries are written per window; beyond that, the
// refusals are counted into one summary for all sources.
//
// So a flood of N refusals from one source in a minute gives 2 lines (1 full, 1
// summary of N - 1), and the refusals journal and the log grow by at most
// max_lines + 1 lines a minute however many sources there are. Every refusal is
// counted (refusals()), whether written or not.
//
// Pure: the time comes in (seconds on any steady clock), no clock is read here.
// A fixed table of sources, allocated once: the least recently seen source is
// evicted (its summary written first, and counted in evictions()) when a new one
// finds the table full. No allocation per refusal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace runtime {

// A window's suppressed refusals from one source (or, with all_sources, from
// every source past the window's line budget).
struct RefusalSummary {
  std::uint64_t key = 0;
  std::string_view label;  // the source, as the first refusal named it
  std::uint64_t suppressed = 0;
  double window_start_s = 0;  // when the window's first refusal came
  bool all_sources = false;
};

struct RefusalLimits {
  double window_s = 60;
  std::size_t sources = 256;    // the table's size
  std::size_t max_lines = 600;  // records and summaries per window, every source together
};

class RefusalLimiter {
 public:
  static constexpr std::size_t kLabelBytes = 48;  // a source's label, cut to this

  explicit RefusalLimiter(const RefusalLimits& limits = RefusalLimits{});

  // A refusal from source `key` (named `label`) at now_s. True: write it in
  // full. False: counted only. Summaries that fall due (this source's window
  // that ended, an evicted source's) go to emit(const RefusalSummary&) first.
  template <typename Emit>
  bool admit(std::uint64_t key, std::string_view label, double now_s, Emit&& emit);

  // The summaries of every window ended by now_s: call now and then (once a scan).
  template <typename Emit>
  void expire(double now_s, Emit&& emit);

  // Every pending summary, whether its window has ended or not (at stop).
  template <typename Emit>
  void flush(Emit&& emit);

  std::uint64_t refusals() const { return refusals_; }      // every refusal, written or not
  std::uint64_t suppressed() const { return suppressed_; }  // not written in full
  std::uint64_t evictions() const { return evictions_; }
  // The refusals from `key` since the table took it in (0 when it holds no such source).
  std::uint64_t refusals_from(std::uint64_t key) const;

 private:
  struct Source {
    std::uint64_t key = 0;
    bool open = false;          // a window is running
    double window_start_s = 0;  // its first refusal
    std::uint64_t suppressed = 0;
    std::uint64_t total = 0;
    std::uint64_t last_seen = 0;  // admit() sequence number, for the LRU
    char label[kLabelBytes] = {};
    std::size_t label_size = 0;
  };

  Source* find(std::uint64_t key);
  std::size_t least_recent() const;
  template <typename Emit>
  void close(Source& s, Emit& emit);
  template <typename Emit>
  void roll_budget(double now_s, Emit& emit);
  template <typename Emit>
  void emit_overflow(Emit& emit);

  RefusalLimits limits_;
  std::vector<Source> table_;  // the first used_ are in use
  std::size_t used_ = 0;
  std::uint64_t sequence_ = 0;
  std::uint64_t refusals_ = 0, suppressed_ = 0, evictions_ = 0;
  bool budget_open_ = false;
  double budget_start_s_ = 0;
  std::size_t budget_used_ = 0;
  std::uint64_t overflow_ = 0;  // suppressed refusals whose summary the budget had no room for
};

// Ends the window of `s`: its summary, when it suppressed any and the budget has
// room; else its count joins the overflow (written once the budget window ends).
template <typename Emit>
void RefusalLimiter::close(Source& s, Emit& emit) {
  if (s.suppressed > 0) {
    if (budget_used_ < limits_.max_lines) {
      ++budget_used_;
      RefusalSummary summary;
      summary.key = s.key;
      summary.label = std::string_view(s.label, s.label_size);
      summary.suppressed = s.suppressed;
      summary.window_start_s = s.window_start_s;
      emit(summary);
    } else {
      overflow_ += s.suppressed;
    }
  }
  s.suppressed = 0;
  s.open = false;
}

template <typename Emit>
void RefusalLimiter::emit_overflow(Emit& emit) {
  if (overflow_ == 0) return;
  RefusalSummary summary;
  summary.all_sources = true;
  summary.label = "every source";
  summary.suppressed = overflow_;
  summary.window_start_s = budget_start_s_;
  overflow_ = 0;
  emit(summary);
}

// A new budget window when the last has ended, after the overflow's one line.
template <typename Emit>
void RefusalLimiter::roll_budget(double now_s, Emit& emit) {
  if (budget_open_ && now_s - budget_start_s_ < limits_.window_s) return;
  emit_overflow(emit);
  budget_open_ = true;
  budget_start_s_ = now_s;
  budget_used_ = 0;
}

template <typename Emit>
bool RefusalLimiter::admit(std::uint64_t key, std::string_view label, double now_s, Emit&& emit) {
  ++refusals_;
  roll_budget(now_s, emit);
  Source* s = find(key);
  if (s) {
    if (s->open && now_s - s->window_start_s >= limits_.window_s) close(*s, emit);
  } else {
    std::size_t slot = used_;
    if (used_ < table_.size()) {
      ++used_;
    } else {
      slot = least_recent();
      close(table_[slot], emit);  // its count is written before it goes
      ++evictions_;
    }
    s = &table_[slot];
    *s = Source{};
    s->key = key;
    s->label_size = label.size() < kLabelBytes ? label.size() : kLabelBytes;
    for (std::size_t i = 0; i < s->label_size; ++i)
      s->label[i] = label[i];
  }
  s->last_seen = ++sequence_;
  ++s->total;
  if (!s->open) {
    s->open = true;
    s->window_start_s = now_s;
    if (budget_used_ < limits_.max_lines) {
      ++budget_used_;
      return true;
    }
  }
  ++s->suppressed;
  ++suppressed_;
  return false;
}

template <typename Emit>
void RefusalLimiter::expire(double now_s, Emit&& emit) {
  roll_budget(now_s, emit);
  for (std::size_t i = 0; i < used_; ++i)
    if (table_[i].open && now_s - table_[i].window_start_s >= limits_.window_s)
      close(table_[i], emit);
}

template <typename Emit>
void RefusalLimiter::flush(Emit&& emit) {
  for (std::size_t i = 0; i < used_; ++i)
    if (table_[i].open) close(table_[i], emit);
  emit_overflow(emit);
}

}  // namespace runtime
