#include "scada_service.hpp"

#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace runtime {

ScadaService::ScadaService(const site::Site& site, fw::Controller& controller, asio::io_context& io,
                           int port, EventJournal* journal, RefusalAudit& refusals)
    : image(site), writes(site, controller, settings), journal_(journal), refusals_(refusals) {
  auto on_write = [this](const std::string& client_text, std::uint32_t client,
                         std::uint16_t address, const std::uint16_t* words, int count) {
    return audit_write(client_text, client, address, words, count);
  };
  auto on_refusal = [this](const std::string& client_text, const std::string& what, int exception) {
    audit_refusal(client_text, what, exception);
  };
  // The server logs what it refuses itself, at most once a minute per client address.
  server = std::make_unique<ScadaServer>(io, site.scada, port, image, on_write, on_refusal,
                                         [](const std::string& line) { spdlog::warn("{}", line); });
  spdlog::info("plantd: SCADA on {}:{}, writes from {}", site.scada.bind, server->port(),
               site.scada.write_allow.empty()
                   ? std::string("no address")
                   : fmt::format("{}", fmt::join(site.scada.write_allow, ", ")));
}

WriteOutcome ScadaService::audit_write(const std::string& client_text, std::uint32_t client,
                                       std::uint16_t address, const std::uint16_t* words,
                                       int count) {
  const double wall_s = steady_seconds();
  WriteOutcome o = writes.write(client, address, words, count, wall_s, *now_);
  if (!o.accepted) {
    refusals_.scada_write(*now_, wall_s, client_text, o.register_name, address, o.new_value,
                          o.exception, o.reason);
    return o;
  }
  const std::string reg = o.register_name.empty() ? std::to_string(address) : o.register_name;
  spdlog::info("SCADA write from {}: {} {:g} -> {:g} {}", client_text, reg, o.old_value,
               o.new_value, o.reason);
  if (journal_)
    journal_->operator_write(*now_, client_text, reg, o.old_value, o.new_value, o.reason);
  return o;
}

void ScadaService::audit_refusal(const std::string& client_text, const std::string& what,
                                 int exception) {
  const double wall_s = steady_seconds();
  refusals_.scada_request(*now_, wall_s, client_text, what, exception);
}

void ScadaService::update(const hal::ProcessImage& plant, const fw::Controller& controller,
                          ShellCounters counters) {
  counters.scada = server->stats().server;
  image.update(plant, controller, settings, counters);
}

void ScadaService::log_totals() const {
  const ScadaStats s = server->stats();
  const hal::server::Counters& c = s.server;
  spdlog::info(
      "plantd: SCADA served {} requests ({} exceptions) on {} connections ({} refused, {} "
      "evicted, {} closed idle, {} closed slow, {} bad frames, {} accept errors); writes {} "
      "accepted, {} refused; {} values did not fit their register",
      c.requests, c.exceptions, c.connections, c.refused, c.evicted, c.closed_idle, c.closed_slow,
      c.bad_frames, c.accept_errors, s.writes_accepted, s.writes_refused, image.encode_failures());
}

}  // namespace runtime
