// Pieces shared by the Boost.MSM machines (supervisor, turbine): states and events
// that carry their enum code, front-end defaults that never assert, the active-state
// lookup, the event dispatch and the walk over a transition table. Private to core/src.
#pragma once

// MSM 1.74 includes deprecated Boost headers; silence their notes in build logs.
#ifndef BOOST_ALLOW_DEPRECATED_HEADERS
#define BOOST_ALLOW_DEPRECATED_HEADERS
#endif
#ifndef BOOST_BIND_GLOBAL_PLACEHOLDERS
#define BOOST_BIND_GLOBAL_PLACEHOLDERS
#endif

#include <array>
#include <boost/mpl/for_each.hpp>
#include <boost/mpl/front.hpp>
#include <boost/msm/back/state_machine.hpp>
#include <boost/msm/front/functor_row.hpp>
#include <boost/msm/front/state_machine_def.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <type_traits>
#include <utility>
#include <vector>

#include "fw/event_log.hpp"
#include "fw/supervisor.hpp"

namespace fw::msm_support {

namespace msmf = boost::msm::front;
using boost::msm::back::HandledEnum;

// A state named and coded by one value of the machine's enum (to_string gives the name).
template <class Enum, Enum C>
struct CodedState : msmf::state<> {
  static constexpr std::uint8_t code = static_cast<std::uint8_t>(C);
  static const char* name() { return to_string(C); }
};

// One MSM event type per enum value, so the tables and the public enum cannot diverge.
template <class Enum, Enum C>
struct CodedEvent {
  static constexpr std::uint8_t code = static_cast<std::uint8_t>(C);
  static const char* name() { return to_string(C); }
};

// What exception_caught saw during the present process() call.
struct Ctx {
  bool exception = false;
  std::array<char, 72> what{};
};

// Front-end base: no event queue (process_event must not allocate) and no asserts.
template <class Derived>
struct MachineDef : msmf::state_machine_def<Derived> {
  using no_message_queue = int;

  Ctx* ctx = nullptr;

  // The owner logs unhandled events itself, from process_event's result: an event
  // the submachine ignores may still be handled by the outer machine.
  template <class Fsm, class Event>
  void no_transition(const Event&, Fsm&, int) {}

  // MSM then reports the event as handled; the owner checks ctx->exception.
  template <class Fsm, class Event>
  void exception_caught(const Event&, Fsm&, std::exception& e) {
    if (ctx == nullptr) return;
    ctx->exception = true;
    std::snprintf(ctx->what.data(), ctx->what.size(), "exception: %s", e.what());
  }
};

// Wraps a type for mpl::for_each, which would otherwise default-construct each element.
// (Not `type`: MPL's lambda would unwrap that.)
template <class T>
struct Tag {
  using item = T;
};

// The enum code of the active state of a single-region machine.
template <class Fsm>
std::uint8_t active_code(const Fsm& sm) {
  using Stt = typename Fsm::stt;
  const int id = sm.current_state()[0];
  std::uint8_t code = 0;
  boost::mpl::for_each<typename Fsm::state_list, Tag<boost::mpl::_1>>([&](auto tag) {
    using S = typename decltype(tag)::item;
    if (boost::msm::back::get_state_id<Stt, S>::value == id) code = S::code;
  });
  return code;
}

// Fires the MSM event type for a runtime enum value through a constant table of
// function pointers (no switch to keep in step with the enum).
template <class Enum, std::size_t N, class Fsm>
class Dispatch {
  using Fn = HandledEnum (*)(Fsm&);

  template <std::size_t I>
  static HandledEnum fire(Fsm& sm) {
    return sm.process_event(CodedEvent<Enum, static_cast<Enum>(I)>{});
  }
  template <std::size_t... I>
  static constexpr std::array<Fn, N> make(std::index_sequence<I...>) {
    return {{&fire<I>...}};
  }

 public:
  static HandledEnum run(Fsm& sm, Enum e) {
    static constexpr std::array<Fn, N> kTable = make(std::make_index_sequence<N>{});
    const auto i = static_cast<std::size_t>(e);
    return i < N ? kTable[i](sm) : boost::msm::back::HANDLED_FALSE;
  }
};

// Appends the rows of an MSM transition table, named by the types' name().
template <class Table>
void append_rows(std::vector<TransitionRow>& out, const char* machine) {
  boost::mpl::for_each<Table, Tag<boost::mpl::_1>>([&](auto tag) {
    using R = typename decltype(tag)::item;
    out.push_back({machine, R::Source::name(), R::Evt::name(), R::Target::name()});
  });
}

// The docs draw the initial state from the first row's source: keep that true.
template <class Def>
constexpr bool initial_state_leads_table() {
  using First = typename boost::mpl::front<typename Def::transition_table>::type;
  return std::is_same<typename Def::initial_state, typename First::Source>::value;
}

// Processes one event and logs exactly one entry: the transition, the event that
// had none in the present state, or the exception an action threw.
template <class Enum, std::size_t N, class Fsm, class CodeFn>
bool process_and_log(Fsm& sm, Ctx& ctx, CodeFn code_of, Enum e, EventLog& log, double now_s,
                     MachineId machine, int index, const char* cause) {
  ctx.exception = false;
  const std::uint8_t from = code_of();
  const bool handled = Dispatch<Enum, N, Fsm>::run(sm, e) == boost::msm::back::HANDLED_TRUE;
  const bool transition = handled && !ctx.exception;
  log.add(now_s, machine, index, from, code_of(), static_cast<std::uint8_t>(e), transition,
          ctx.exception ? ctx.what.data() : cause);
  return transition;
}

}  // namespace fw::msm_support
