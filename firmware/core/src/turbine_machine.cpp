// One turbine unit as a flat Boost.MSM machine (functor front-end):
// Off | Starting | Online | Cooling | Lockout.
#include "fw/turbine_machine.hpp"

#include <boost/mpl/vector.hpp>

#include "msm_support.hpp"

namespace fw {

namespace {

namespace ms = msm_support;
using boost::msm::front::Row;

template <UnitEvent E>
using Ev = ms::CodedEvent<UnitEvent, E>;
using StartCmd = Ev<UnitEvent::kStartCmd>;
using Running = Ev<UnitEvent::kRunning>;
using StartFailed = Ev<UnitEvent::kStartFailed>;
using StopCmd = Ev<UnitEvent::kStopCmd>;
using Stopped = Ev<UnitEvent::kStopped>;
using Trip = Ev<UnitEvent::kTrip>;
using Reset = Ev<UnitEvent::kReset>;
using AdoptOnline = Ev<UnitEvent::kAdoptOnline>;
using AdoptStarting = Ev<UnitEvent::kAdoptStarting>;
using AdoptCooling = Ev<UnitEvent::kAdoptCooling>;
using AdoptLockout = Ev<UnitEvent::kAdoptLockout>;
constexpr std::size_t kEventCount = static_cast<std::size_t>(UnitEvent::kAdoptLockout) + 1;

template <UnitState S>
using St = ms::CodedState<UnitState, S>;
using Off = St<UnitState::kOff>;
using Starting = St<UnitState::kStarting>;
using Online = St<UnitState::kOnline>;
using Cooling = St<UnitState::kCooling>;
using Lockout = St<UnitState::kLockout>;

struct TurbineDef : ms::MachineDef<TurbineDef> {
  using initial_state = Off;
  // clang-format off
  using transition_table = boost::mpl::vector<
      //  Source    Event          Target
      Row<Off,      StartCmd,      Starting>,
      Row<Off,      AdoptOnline,   Online>,
      Row<Off,      AdoptStarting, Starting>,
      Row<Off,      AdoptCooling,  Cooling>,
      Row<Off,      AdoptLockout,  Lockout>,
      Row<Starting, Running,       Online>,
      Row<Starting, StartFailed,   Lockout>,
      Row<Starting, StopCmd,       Cooling>,
      Row<Online,   StopCmd,       Cooling>,
      Row<Online,   Trip,          Lockout>,
      Row<Cooling,  Stopped,       Off>,
      Row<Cooling,  Trip,          Lockout>,
      Row<Lockout,  Reset,         Cooling>>;
  // clang-format on
};
using Machine = boost::msm::back::state_machine<TurbineDef>;

static_assert(ms::initial_state_leads_table<TurbineDef>());

}  // namespace

struct TurbineMachine::Impl {
  Impl(EventLog& l, int u) : log(l), unit(u) {
    sm.ctx = &ctx;
    sm.start();
  }

  EventLog& log;
  int unit;
  ms::Ctx ctx;
  Machine sm;
};

TurbineMachine::TurbineMachine(EventLog& log, int unit)
    : impl_(std::make_unique<Impl>(log, unit)) {}
TurbineMachine::~TurbineMachine() = default;
TurbineMachine::TurbineMachine(TurbineMachine&&) noexcept = default;
TurbineMachine& TurbineMachine::operator=(TurbineMachine&&) noexcept = default;

bool TurbineMachine::process(UnitEvent event, double now_s, const char* cause) {
  Impl& m = *impl_;
  const bool transition = ms::process_and_log<UnitEvent, kEventCount>(
      m.sm, m.ctx, [&m] { return ms::active_code(m.sm); }, event, m.log, now_s, MachineId::kTurbine,
      m.unit, cause);
  if (transition) since_s_ = now_s;
  return transition;
}

UnitState TurbineMachine::state() const {
  return static_cast<UnitState>(ms::active_code(impl_->sm));
}

std::vector<TransitionRow> TurbineMachine::transition_table() {
  std::vector<TransitionRow> rows;
  ms::append_rows<TurbineDef::transition_table>(rows, "Turbine");
  return rows;
}

const char* to_string(UnitState s) {
  switch (s) {
    case UnitState::kOff:
      return "Off";
    case UnitState::kStarting:
      return "Starting";
    case UnitState::kOnline:
      return "Online";
    case UnitState::kCooling:
      return "Cooling";
    case UnitState::kLockout:
      return "Lockout";
  }
  return "?";
}

const char* to_string(UnitEvent e) {
  switch (e) {
    case UnitEvent::kStartCmd:
      return "StartCmd";
    case UnitEvent::kRunning:
      return "Running";
    case UnitEvent::kStartFailed:
      return "StartFailed";
    case UnitEvent::kStopCmd:
      return "StopCmd";
    case UnitEvent::kStopped:
      return "Stopped";
    case UnitEvent::kTrip:
      return "Trip";
    case UnitEvent::kReset:
      return "Reset";
    case UnitEvent::kAdoptOnline:
      return "AdoptOnline";
    case UnitEvent::kAdoptStarting:
      return "AdoptStarting";
    case UnitEvent::kAdoptCooling:
      return "AdoptCooling";
    case UnitEvent::kAdoptLockout:
      return "AdoptLockout";
  }
  return "?";
}

}  // namespace fw
