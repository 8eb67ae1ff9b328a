// main() of the GoogleTest images that run on the Cortex-M4F under
// qemu-system-arm: the start-up code (firmware_hal/cortex_m4f) calls it and
// exits with its status through semihosting, so ctest sees a failed
// assertion as a failed test.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>

#if defined(METER_PROFILE_HOOKS) && METER_PROFILE_HOOKS
// The preset builds the core with profiling points for its self-test
// images; the test images do not profile.
extern "C" void meter_profile_enter(int) {}
extern "C" void meter_profile_exit(int) {}
#endif

// The images link without the C runtime's start files (-nostartfiles: the
// board's start-up code is ours), which would define the handle static
// destructors register under; libstdc++'s statics need one.
// Semihosting has no directories: GoogleTest links mkdir for its XML
// output, which these images never write.
extern "C" {
void* __dso_handle = nullptr;
int mkdir(const char*, mode_t) {
  errno = ENOSYS;
  return -1;
}
}

int main() {
  int argc = 1;
  char name[] = "meter-target-tests";
  char* argv[] = {name, nullptr};
  testing::InitGoogleTest(&argc, argv);
#ifdef METER_TARGET_TEST_FILTER
  // The tests an image leaves out: those that simulate hours of metering,
  // which take the host seconds and the emulated target many minutes
  // (tests/target/CMakeLists.txt says which and why).
  testing::GTEST_FLAG(filter) = METER_TARGET_TEST_FILTER;
#endif
  return RUN_ALL_TESTS();
}
