#include "refusal_audit.hpp"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "event_journal.hpp"

namespace runtime {

namespace {
constexpr std::uint64_t kDeviceKeys = 1ULL << 63;    // apart from every IPv4 address
constexpr std::uint64_t kNotAnAddress = 1ULL << 32;  // "unknown" and the like
}  // namespace

RefusalAudit::RefusalAudit(EventJournal* journal, const RefusalLimits& limits)
    : journal_(journal), limiter_(limits), window_s_(limits.window_s) {}

std::uint64_t RefusalAudit::client_key(const std::string& client) {
  in_addr a{};
  if (inet_pton(AF_INET, client.c_str(), &a) != 1) return kNotAnAddress;
  return ntohl(a.s_addr);
}

std::uint64_t RefusalAudit::device_key(std::string_view kind, int index) {
  // FNV-1a over the kind, then the index.
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : kind)
    h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  h = (h ^ static_cast<std::uint32_t>(index)) * 1099511628211ULL;
  return kDeviceKeys | (h >> 1);
}

void RefusalAudit::summary(double t_s, double steady_s, const RefusalSummary& s) {
  const double window_s = steady_s - s.window_start_s;
  spdlog::warn("refusals from {}: {} more in {:.0f} s not logged one by one{}", s.label,
               s.suppressed, window_s,
               s.all_sources ? " (the log's limit for every source together)" : "");
  if (journal_) journal_->refusal_summary(t_s, s, window_s);
}

void RefusalAudit::scada_write(double t_s, double steady_s, const std::string& client,
                               std::string_view reg, int address, double value, int exception,
                               std::string_view reason) {
  ++counts_.scada_writes;
  auto emit = [&](const RefusalSummary& s) { summary(t_s, steady_s, s); };
  if (!limiter_.admit(client_key(client), client, steady_s, emit)) return;
  const std::string name = reg.empty() ? std::to_string(address) : std::string(reg);
  spdlog::warn("SCADA write from {} refused (exception {}): {} = {:g}: {}", client, exception, name,
               value, reason);
  if (journal_) journal_->scada_refusal(t_s, client, name, value, exception, reason);
}

void RefusalAudit::scada_request(double t_s, double steady_s, const std::string& client,
                                 std::string_view what, int exception) {
  ++counts_.scada_requests;
  auto emit = [&](const RefusalSummary& s) { summary(t_s, steady_s, s); };
  if (!limiter_.admit(client_key(client), client, steady_s, emit)) return;
  spdlog::warn("SCADA request from {} refused (exception {}): {}", client, exception, what);
  if (journal_) journal_->scada_refusal(t_s, client, what, 0, exception, "not served");
}

void RefusalAudit::device_write(double t_s, double steady_s, std::string_view kind, int index,
                                std::string_view what, double value, std::string_view reason) {
  ++counts_.device_writes;
  char label[RefusalLimiter::kLabelBytes];
  const int n = std::snprintf(label, sizeof label, "%.*s.%d", static_cast<int>(kind.size()),
                              kind.data(), index);
  const std::string_view name(
      label, n > 0 ? std::min<std::size_t>(static_cast<std::size_t>(n), sizeof label - 1) : 0);
  auto emit = [&](const RefusalSummary& s) { summary(t_s, steady_s, s); };
  if (!limiter_.admit(device_key(kind, index), name, steady_s, emit)) return;
  spdlog::warn("t={:.2f}s {} {} refused {} = {:.3f}: {}", t_s, kind, index, what, value, reason);
  if (journal_) journal_->refusal(t_s, kind, index, what, value, reason);
}

void RefusalAudit::expire(double t_s, double steady_s) {
  limiter_.expire(steady_s, [&](const RefusalSummary& s) { summary(t_s, steady_s, s); });
}

void RefusalAudit::flush(double t_s, double steady_s) {
  limiter_.flush([&](const RefusalSummary& s) { summary(t_s, steady_s, s); });
}

RefusalCounts RefusalAudit::counts() const {
  RefusalCounts c = counts_;
  c.suppressed = limiter_.suppressed();
  c.evictions = limiter_.evictions();
  return c;
}

}  // namespace runtime
