#pragma once
// Optional profiling points in the core, for per-region instruction counts on
// a target. A build with METER_PROFILE_HOOKS=1 (the cortex-m4f images) defines
// the two hooks in its application, typically reading a cycle counter;
// otherwise a scope compiles to nothing.

namespace meter::dsp {

/// Regions may nest: kHarmonics holds the three after it.
enum class ProfileRegion : int {
  kHarmonics = 0,    ///< Everything per cycle and window for the spectrum, THD and Budeanu Q.
  kResample,         ///< Sinc resampling of a cycle to 128 points (6 channels).
  kCycleAccumulate,  ///< Adding a resampled cycle into the window's sums and folds (6 channels).
  kWindowSpectrum,   ///< Window spectrum, THD, line-to-line bins, publication.
  kCount,
};

constexpr const char* ProfileRegionName(ProfileRegion r) {
  switch (r) {
    case ProfileRegion::kHarmonics:
      return "harmonics";
    case ProfileRegion::kResample:
      return "resample";
    case ProfileRegion::kCycleAccumulate:
      return "cycle_accumulate";
    case ProfileRegion::kWindowSpectrum:
      return "window_spectrum";
    case ProfileRegion::kCount:
      break;
  }
  return "?";
}

}  // namespace meter::dsp

#if defined(METER_PROFILE_HOOKS) && METER_PROFILE_HOOKS
extern "C" void meter_profile_enter(int region);
extern "C" void meter_profile_exit(int region);

namespace meter::dsp {

class ProfileScope {
 public:
  explicit ProfileScope(ProfileRegion region) : region_(static_cast<int>(region)) { meter_profile_enter(region_); }
  ~ProfileScope() { meter_profile_exit(region_); }
  ProfileScope(const ProfileScope&) = delete;
  ProfileScope& operator=(const ProfileScope&) = delete;

 private:
  int region_;
};

}  // namespace meter::dsp

#define METER_PROFILE_SCOPE(region) const ::meter::dsp::ProfileScope meter_profile_scope_(region)
#define METER_PROFILE_SCOPE_NESTED(region) const ::meter::dsp::ProfileScope meter_profile_scope_nested_(region)
#else
#define METER_PROFILE_SCOPE(region) static_cast<void>(0)
#define METER_PROFILE_SCOPE_NESTED(region) static_cast<void>(0)
#endif
