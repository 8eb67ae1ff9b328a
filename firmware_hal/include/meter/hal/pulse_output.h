#pragma once
// The pulse (S0 / LED) output. Slow device: a small virtual interface, called
// at most twice per pulse, never per sample.

namespace meter::hal {

class PulseOutput {
 public:
  /// Drives the output: true = pulse active (LED on, S0 transistor closed).
  void Set(bool active) { DoSet(active); }

 protected:
  ~PulseOutput() = default;  // not owned through this interface

 private:
  virtual void DoSet(bool active) = 0;
};

}  // namespace meter::hal
