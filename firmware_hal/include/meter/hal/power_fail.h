#pragma once
// The power-fail signal: a supply comparator that fires while the hold-up
// capacitor still has energy for one register save.

namespace meter::hal {

class PowerFailSignal {
 public:
  /// True while the supply is below the power-fail threshold.
  bool Asserted() { return DoAsserted(); }

 protected:
  ~PowerFailSignal() = default;

 private:
  virtual bool DoAsserted() = 0;
};

}  // namespace meter::hal
