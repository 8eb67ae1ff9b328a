#include "meter/metering/cycle_energy_queue.h"

#include <cmath>

namespace meter {

bool CycleEnergyQueue::Hold(const CycleEnergy& cycle) {
  if (count_ == kCapacity) {
    dropped_++;  // the caller stopped draining: count it, never block metering
    return false;
  }
  records_[static_cast<std::size_t>((head_ + count_) % kCapacity)] = cycle;
  count_++;
  held_count_++;
  return true;
}

int CycleEnergyQueue::Release(const WindowResult* window, std::uint64_t up_to_tick, int phases,
                              bool two_wattmeter_total, std::array<float, 3>& last_q_over_s) {
  const int first = head_ + count_ - held_count_;
  const auto held = [&](int k) -> CycleEnergy& { return records_[static_cast<std::size_t>((first + k) % kCapacity)]; };
  // The window's cycles: the held records (in time order) up to its end.
  int count = 0;
  while (count < held_count_ && held(count).end_tick <= up_to_tick) ++count;
  // (Single precision: at most 13 terms, and no emulated double on the
  // Cortex-M4F.)
  float ticks = 0;
  std::array<float, 3> s_ticks{};
  float s_total_ticks = 0;
  for (int k = 0; k < count; ++k) {
    const CycleEnergy& c = held(k);
    const auto t = static_cast<float>(c.ticks());
    ticks += t;
    for (std::size_t p = 0; p < 3; ++p) s_ticks[p] += c.s_va[p] * t;
    s_total_ticks += c.s_total_va * t;
  }
  const auto q_over_s = [&](float q, float s_weighted) {
    const float s_mean = ticks > 0 ? s_weighted / ticks : 0.0f;
    return s_mean > 0 ? q / s_mean : 0.0f;
  };
  const bool have_q = window != nullptr && std::isfinite(window->total.q_var);
  std::array<float, 3> ratio = last_q_over_s;
  if (have_q) {
    for (int p = 0; p < phases; ++p) {
      const auto up = static_cast<std::size_t>(p);
      ratio[up] = q_over_s(window->phases[up].q_var, s_ticks[up]);
      if (s_ticks[up] > 0) last_q_over_s[up] = ratio[up];
    }
  }
  const float total_ratio = have_q ? q_over_s(window->total.q_var, s_total_ticks) : 0.0f;
  for (int k = 0; k < count; ++k) {
    CycleEnergy& c = held(k);
    c.q_estimated = !have_q;
    c.q_total_var = 0.0f;
    for (int p = 0; p < c.phase_count; ++p) {
      const auto up = static_cast<std::size_t>(p);
      c.q_var[up] = ratio[up] * c.s_va[up];
      c.q_total_var += c.q_var[up];
    }
    // 3P3W: the two-wattmeter total, not the sum of the artificial-star phases.
    if (have_q && two_wattmeter_total) c.q_total_var = total_ratio * c.s_total_va;
  }
  held_count_ -= count;
  return count;
}

bool CycleEnergyQueue::PopActive(CycleEnergy& out) {
  if (active_taken_ == count_) return false;
  out = records_[static_cast<std::size_t>((head_ + active_taken_) % kCapacity)];
  active_taken_++;
  return true;
}

bool CycleEnergyQueue::PopReactive(CycleEnergy& out) {
  const int released = count_ - held_count_;
  if (released == 0 || active_taken_ == 0) return false;
  out = records_[static_cast<std::size_t>(head_)];
  head_ = (head_ + 1) % kCapacity;
  count_--;
  active_taken_--;
  return true;
}

}  // namespace meter
