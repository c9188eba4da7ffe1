// plantd's SCADA: the server on the scan loop's io_context, the map's image, the
// write policy, and the audit of every write: accepted ones in the audit trail
// (log and journal), refusals within the refusal audit's limit.
#pragma once

#include <asio.hpp>
#include <memory>

#include "event_journal.hpp"
#include "fw/controller.hpp"
#include "refusal_audit.hpp"
#include "scada_image.hpp"
#include "scada_server.hpp"
#include "scada_writes.hpp"
#include "site/site.hpp"

namespace runtime {

class ScadaService {
 public:
  // Throws when the port cannot be served.
  ScadaService(const site::Site& site, fw::Controller& controller, asio::io_context& io, int port,
               EventJournal* journal, RefusalAudit& refusals);
  // The last scan's controller time, read when a write is audited (0 until set).
  void set_clock(const double& now) { now_ = &now; }

  OperatorSettings settings;
  ScadaImage image;
  ScadaWrites writes;
  std::unique_ptr<ScadaServer> server;

  // The tables for the next requests, after a scan: with the server's own counters.
  void update(const hal::ProcessImage& plant, const fw::Controller& controller,
              ShellCounters counters);
  // The exit line: what was served and refused.
  void log_totals() const;

 private:
  WriteOutcome audit_write(const std::string& client_text, std::uint32_t client,
                           std::uint16_t address, const std::uint16_t* words, int count);
  void audit_refusal(const std::string& client_text, const std::string& what, int exception);

  EventJournal* journal_;
  RefusalAudit& refusals_;
  double no_scan_yet_ = 0;
  const double* now_ = &no_scan_yet_;
};

}  // namespace runtime
