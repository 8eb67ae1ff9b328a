#pragma once
// Minimal complex arithmetic for the hot loops. std::complex multiplication
// goes through the C99 Annex G helpers (NaN/inf recovery) unless the whole
// build relaxes floating-point rules; these inline forms do not.

namespace meter::dsp {

struct ComplexF {
  float re = 0.0f;
  float im = 0.0f;
};

constexpr ComplexF operator+(ComplexF a, ComplexF b) { return {a.re + b.re, a.im + b.im}; }
constexpr ComplexF operator-(ComplexF a, ComplexF b) { return {a.re - b.re, a.im - b.im}; }
constexpr ComplexF operator*(ComplexF a, ComplexF b) { return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re}; }
constexpr ComplexF operator*(ComplexF a, float s) { return {a.re * s, a.im * s}; }
constexpr ComplexF Conj(ComplexF a) { return {a.re, -a.im}; }
constexpr float Norm(ComplexF a) { return a.re * a.re + a.im * a.im; }
/// Im(a * conj(b)): the quadrature product of two phasors.
constexpr float CrossIm(ComplexF a, ComplexF b) { return a.im * b.re - a.re * b.im; }
/// Re(a * conj(b)): the in-phase product of two phasors.
constexpr float CrossRe(ComplexF a, ComplexF b) { return a.re * b.re + a.im * b.im; }

}  // namespace meter::dsp
