#pragma once
// Errors are values: setup returns a Status (or a Result<T>), processing
// cannot fail and returns void. No exceptions anywhere in the core.

#include <cstdint>
#include <utility>

namespace meter {

enum class [[nodiscard]] Status : std::uint8_t{
    kOk = 0,
    kInvalidArgument,     ///< A parameter is outside its documented range.
    kOutOfRange,          ///< A value does not fit the compile-time capacity.
    kFailedPrecondition,  ///< The object is not in a state that allows the call.
    kResourceExhausted,   ///< A static arena is too small (e.g. the FFT arena).
    kUnavailable,         ///< A device failed part-way (power lost during a write).
    kDataLoss,            ///< Stored data is missing or corrupt.
};

/// Short dotted name for logs and test messages.
constexpr const char* StatusName(Status s) {
  switch (s) {
    case Status::kOk:
      return "ok";
    case Status::kInvalidArgument:
      return "invalid_argument";
    case Status::kOutOfRange:
      return "out_of_range";
    case Status::kFailedPrecondition:
      return "failed_precondition";
    case Status::kResourceExhausted:
      return "resource_exhausted";
    case Status::kUnavailable:
      return "unavailable";
    case Status::kDataLoss:
      return "data_loss";
  }
  return "unknown";
}

/// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  constexpr Result(T value) : value_(std::move(value)), status_(Status::kOk) {}  // NOLINT
  constexpr Result(Status status) : value_(), status_(status) {}                 // NOLINT
  constexpr bool ok() const { return status_ == Status::kOk; }
  constexpr Status status() const { return status_; }
  constexpr const T& value() const { return value_; }
  constexpr T& value() { return value_; }

 private:
  T value_;
  Status status_;
};

}  // namespace meter
