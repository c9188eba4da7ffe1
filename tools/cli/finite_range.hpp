// The check for every floating-point command-line option of plantd, plantsim and
// plantctl: a finite number within [min, max]. CLI::Range is not enough: every
// comparison with NaN is false, so "nan" passes it (plantd --save-interval-s nan
// stopped saving; issue 13), and "inf" passes CLI::NonNegativeNumber's bound only
// by luck.
#pragma once

#include <CLI/CLI.hpp>

#include <cmath>
#include <sstream>
#include <string>

namespace plant_cli {

class FiniteRange : public CLI::Validator {
 public:
  FiniteRange(double min, double max) {
    std::ostringstream allowed;
    allowed << "a finite number from " << min << " to " << max;
    description("FLOAT in [" + number(min) + " - " + number(max) + "]");
    func_ = [min, max, what = allowed.str()](std::string& input) {
      double v = 0;
      if (!CLI::detail::lexical_cast(input, v) || !std::isfinite(v) || v < min || v > max)
        return "Value " + input + " is not " + what;
      return std::string();
    };
  }

 private:
  static std::string number(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  }
};

}  // namespace plant_cli
