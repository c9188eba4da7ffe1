// The site supervisor as a Boost.MSM machine (functor front-end):
// Automatic { Init, GridParallel, TurbineAssist, Islanded, Resynchronising,
// EmergencyShed } | FailSafe | Manual. Automatic is a submachine without history:
// entering it again starts at Init.
#include "fw/supervisor.hpp"

#include <boost/mpl/vector.hpp>

#include "msm_support.hpp"

namespace fw {

namespace {

namespace ms = msm_support;
namespace msmb = boost::msm::back;
using boost::msm::front::Row;

template <SupervisorEvent E>
using Ev = ms::CodedEvent<SupervisorEvent, E>;
using AdoptGridParallel = Ev<SupervisorEvent::kAdoptGridParallel>;
using AdoptIslanded = Ev<SupervisorEvent::kAdoptIslanded>;
using ImportHigh = Ev<SupervisorEvent::kImportHigh>;
using ImportNormal = Ev<SupervisorEvent::kImportNormal>;
using GridLost = Ev<SupervisorEvent::kGridLost>;
using GridStable = Ev<SupervisorEvent::kGridStable>;
using GridUnstable = Ev<SupervisorEvent::kGridUnstable>;
using BreakerClosed = Ev<SupervisorEvent::kBreakerClosed>;
using Contingency = Ev<SupervisorEvent::kContingency>;
using ShedRecoveredGrid = Ev<SupervisorEvent::kShedRecoveredGrid>;
using ShedRecoveredIsland = Ev<SupervisorEvent::kShedRecoveredIsland>;
using CriticalLost = Ev<SupervisorEvent::kCriticalLost>;
using CriticalRestored = Ev<SupervisorEvent::kCriticalRestored>;
using ManualRequest = Ev<SupervisorEvent::kManualRequest>;
using AutoRequest = Ev<SupervisorEvent::kAutoRequest>;
constexpr std::size_t kEventCount = static_cast<std::size_t>(SupervisorEvent::kAutoRequest) + 1;

template <Mode M>
using St = ms::CodedState<Mode, M>;
using Init = St<Mode::kInit>;
using GridParallel = St<Mode::kGridParallel>;
using TurbineAssist = St<Mode::kTurbineAssist>;
using Islanded = St<Mode::kIslanded>;
using Resynchronising = St<Mode::kResynchronising>;
using EmergencyShed = St<Mode::kEmergencyShed>;
using FailSafe = St<Mode::kFailSafe>;
using Manual = St<Mode::kManual>;

// Not a Mode: mode() looks inside the submachine instead.
constexpr std::uint8_t kComposite = 0xFF;

struct AutomaticDef : ms::MachineDef<AutomaticDef> {
  static constexpr std::uint8_t code = kComposite;
  static const char* name() { return "Automatic"; }

  using initial_state = Init;
  // clang-format off
  using transition_table = boost::mpl::vector<
      //  Source           Event                Target
      Row<Init,            AdoptGridParallel,   GridParallel>,
      Row<Init,            AdoptIslanded,       Islanded>,
      Row<GridParallel,    ImportHigh,          TurbineAssist>,
      Row<TurbineAssist,   ImportNormal,        GridParallel>,
      Row<GridParallel,    GridLost,            Islanded>,
      Row<TurbineAssist,   GridLost,            Islanded>,
      Row<Resynchronising, GridLost,            Islanded>,
      Row<Islanded,        GridStable,          Resynchronising>,
      Row<Resynchronising, GridUnstable,        Islanded>,
      Row<Resynchronising, BreakerClosed,       TurbineAssist>,
      Row<GridParallel,    Contingency,         EmergencyShed>,
      Row<TurbineAssist,   Contingency,         EmergencyShed>,
      Row<Islanded,        Contingency,         EmergencyShed>,
      Row<Resynchronising, Contingency,         EmergencyShed>,
      Row<EmergencyShed,   ShedRecoveredGrid,   TurbineAssist>,
      Row<EmergencyShed,   ShedRecoveredIsland, Islanded>>;
  // clang-format on
};
using Automatic = msmb::state_machine<AutomaticDef>;

struct SupervisorDef : ms::MachineDef<SupervisorDef> {
  using initial_state = Automatic;
  // clang-format off
  using transition_table = boost::mpl::vector<
      //  Source     Event             Target
      Row<Automatic, CriticalLost,     FailSafe>,
      Row<FailSafe,  CriticalRestored, Automatic>,
      Row<Automatic, ManualRequest,    Manual>,
      Row<FailSafe,  ManualRequest,    Manual>,
      Row<Manual,    AutoRequest,      Automatic>>;
  // clang-format on
};
using Machine = msmb::state_machine<SupervisorDef>;

static_assert(ms::initial_state_leads_table<AutomaticDef>());
static_assert(ms::initial_state_leads_table<SupervisorDef>());

}  // namespace

struct Supervisor::Impl {
  explicit Impl(EventLog& l) : log(l) {
    sm.ctx = &ctx;
    sm.get_state<Automatic&>().ctx = &ctx;
    sm.start();
  }
  std::uint8_t code() const {
    const std::uint8_t outer = ms::active_code(sm);
    return outer == kComposite ? ms::active_code(sm.get_state<const Automatic&>()) : outer;
  }

  EventLog& log;
  ms::Ctx ctx;
  Machine sm;
};

Supervisor::Supervisor(EventLog& log) : impl_(std::make_unique<Impl>(log)) {}
Supervisor::~Supervisor() = default;

bool Supervisor::process(SupervisorEvent event, double now_s, const char* cause) {
  Impl& m = *impl_;
  return ms::process_and_log<SupervisorEvent, kEventCount>(
      m.sm, m.ctx, [&m] { return m.code(); }, event, m.log, now_s, MachineId::kSupervisor, -1,
      cause);
}

Mode Supervisor::mode() const {
  return static_cast<Mode>(impl_->code());
}

std::vector<TransitionRow> Supervisor::transition_table() {
  std::vector<TransitionRow> rows;
  ms::append_rows<SupervisorDef::transition_table>(rows, "Supervisor");
  ms::append_rows<AutomaticDef::transition_table>(rows, "Automatic");
  return rows;
}

const char* to_string(Mode m) {
  switch (m) {
    case Mode::kInit:
      return "Init";
    case Mode::kGridParallel:
      return "GridParallel";
    case Mode::kTurbineAssist:
      return "TurbineAssist";
    case Mode::kIslanded:
      return "Islanded";
    case Mode::kResynchronising:
      return "Resynchronising";
    case Mode::kEmergencyShed:
      return "EmergencyShed";
    case Mode::kFailSafe:
      return "FailSafe";
    case Mode::kManual:
      return "Manual";
  }
  return "?";
}

const char* to_string(SupervisorEvent e) {
  switch (e) {
    case SupervisorEvent::kAdoptGridParallel:
      return "AdoptGridParallel";
    case SupervisorEvent::kAdoptIslanded:
      return "AdoptIslanded";
    case SupervisorEvent::kImportHigh:
      return "ImportHigh";
    case SupervisorEvent::kImportNormal:
      return "ImportNormal";
    case SupervisorEvent::kGridLost:
      return "GridLost";
    case SupervisorEvent::kGridStable:
      return "GridStable";
    case SupervisorEvent::kGridUnstable:
      return "GridUnstable";
    case SupervisorEvent::kBreakerClosed:
      return "BreakerClosed";
    case SupervisorEvent::kContingency:
      return "Contingency";
    case SupervisorEvent::kShedRecoveredGrid:
      return "ShedRecoveredGrid";
    case SupervisorEvent::kShedRecoveredIsland:
      return "ShedRecoveredIsland";
    case SupervisorEvent::kCriticalLost:
      return "CriticalLost";
    case SupervisorEvent::kCriticalRestored:
      return "CriticalRestored";
    case SupervisorEvent::kManualRequest:
      return "ManualRequest";
    case SupervisorEvent::kAutoRequest:
      return "AutoRequest";
  }
  return "?";
}

}  // namespace fw
