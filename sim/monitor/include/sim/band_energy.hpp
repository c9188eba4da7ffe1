// Energy of a power signal in a frequency band: a second-order Butterworth
// high-pass and low-pass in cascade (bilinear transform), the output squared and
// integrated. The quiet-POI invariant compares the import's energy in the
// 0.1-20 Hz band with the load's (the example specification of arXiv 2508.14318,
// "Power Stabilization for AI Training Datacenters", section on grid requirements).
#pragma once

namespace sim {

class Biquad {
 public:
  static Biquad low_pass(double cutoff_hz, double sample_hz);
  static Biquad high_pass(double cutoff_hz, double sample_hz);
  static Biquad pass_through() { return Biquad(1, 0, 0, 0, 0); }
  // The state of a filter that has seen x forever (no start-up transient).
  void settle(double x);
  double filter(double x);

 private:
  Biquad(double b0, double b1, double b2, double a1, double a2)
      : b0_(b0), b1_(b1), b2_(b2), a1_(a1), a2_(a2) {}
  double dc_gain() const { return (b0_ + b1_ + b2_) / (1 + a1_ + a2_); }
  double b0_, b1_, b2_, a1_, a2_;
  double s1_ = 0, s2_ = 0;  // transposed direct form II
};

class BandEnergy {
 public:
  // The band's upper edge is left out (a pass-through) where the sampling cannot
  // resolve it: above 0.45 of the sampling rate.
  BandEnergy(double low_hz, double high_hz, double step_s);
  // One sample, counted in the energy or only filtered (a warm-up). The first
  // after a restart settles the filters on it.
  void add(double mw, bool count);
  // Forget the filters' state (the signal jumped for a reason of its own: the
  // breaker opened or closed); the next sample restarts them.
  void restart() { started_ = false; }
  double energy_mw2s() const { return energy_; }  // integral of the band's power squared

 private:
  Biquad high_, low_;
  double step_s_;
  bool started_ = false;
  double energy_ = 0;
};

}  // namespace sim
