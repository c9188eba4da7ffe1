#include "sim/band_energy.hpp"

#include <cmath>

namespace sim {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kSqrt2 = 1.41421356237309504880;
constexpr double kHighestUsablePu = 0.45;  // of the sampling rate
}  // namespace

Biquad Biquad::low_pass(double cutoff_hz, double sample_hz) {
  const double k = std::tan(kPi * cutoff_hz / sample_hz);
  const double norm = 1 / (1 + kSqrt2 * k + k * k);
  const double b0 = k * k * norm;
  return Biquad(b0, 2 * b0, b0, 2 * (k * k - 1) * norm, (1 - kSqrt2 * k + k * k) * norm);
}

Biquad Biquad::high_pass(double cutoff_hz, double sample_hz) {
  const double k = std::tan(kPi * cutoff_hz / sample_hz);
  const double norm = 1 / (1 + kSqrt2 * k + k * k);
  return Biquad(norm, -2 * norm, norm, 2 * (k * k - 1) * norm, (1 - kSqrt2 * k + k * k) * norm);
}

void Biquad::settle(double x) {
  const double y = dc_gain() * x;
  s2_ = b2_ * x - a2_ * y;
  s1_ = b1_ * x - a1_ * y + s2_;
}

double Biquad::filter(double x) {
  const double y = b0_ * x + s1_;
  s1_ = b1_ * x - a1_ * y + s2_;
  s2_ = b2_ * x - a2_ * y;
  return y;
}

BandEnergy::BandEnergy(double low_hz, double high_hz, double step_s)
    : high_(Biquad::high_pass(low_hz, 1 / step_s)),
      low_(high_hz < kHighestUsablePu / step_s ? Biquad::low_pass(high_hz, 1 / step_s)
                                               : Biquad::pass_through()),
      step_s_(step_s) {}

void BandEnergy::add(double mw, bool count) {
  if (!started_) {
    high_.settle(mw);
    low_.settle(0);  // the high-pass's output at a steady input
    started_ = true;
  }
  const double band = low_.filter(high_.filter(mw));
  if (count) energy_ += band * band * step_s_;
}

}  // namespace sim
