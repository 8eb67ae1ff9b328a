#pragma once
// ../shared/recordings (real records nobody here wrote) is there in CI and
// in the team's checkouts, not in a user's clone. Tests that replay it skip
// with a message where it is absent, and fail instead when
// METER_REQUIRE_RECORDINGS is set (scripts/run-tests.sh sets it under CI),
// so that a missing copy can never pass as a green run.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace meter::testing {

inline std::string SharedRecordingsDir() { return std::string(METER_SHARED_DIR) + "/recordings"; }

inline bool RecordingsRequired() { return std::getenv("METER_REQUIRE_RECORDINGS") != nullptr; }

}  // namespace meter::testing

/// Ends the test when ../shared/recordings is absent: skipped, or failed
/// under METER_REQUIRE_RECORDINGS.
#define METER_NEED_SHARED_RECORDINGS()                                                                         \
  do {                                                                                                         \
    if (!std::filesystem::exists(::meter::testing::SharedRecordingsDir())) {                                   \
      if (::meter::testing::RecordingsRequired()) {                                                            \
        FAIL() << ::meter::testing::SharedRecordingsDir() << " is absent and METER_REQUIRE_RECORDINGS is set"; \
      }                                                                                                        \
      GTEST_SKIP() << "../shared/recordings is absent (a user's clone): skipped";                              \
    }                                                                                                          \
  } while (false)
