/* SIMD helpers for the native NAM kernel: 8-wide float vectors and accurate activations.
 *
 * GCC/Clang vector extensions keep one source for every x86 level: with -march=native on an
 * AVX2+FMA machine they become ymm registers and fused multiply-adds; elsewhere the compiler
 * splits them into narrower instructions and the results stay correct.
 *
 * Every output sample goes through exactly the same sequence of vector operations whatever its
 * position in a block, so block size and segmentation never change a single bit of the output.
 */
#ifndef TONESHOOTOUT_NATIVE_SIMD_H
#define TONESHOOTOUT_NATIVE_SIMD_H

#if defined(__AVX__)
#include <immintrin.h>
#endif

#define VW 8

typedef float v8 __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
/* Unaligned, aliasing-safe view used for every load and store. */
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));

static inline v8 ld(const float *p) { return *(const v8u *)p; }
static inline void st(float *p, v8 v) { *(v8u *)p = v; }
static inline v8 bc(float s) { return (v8){s, s, s, s, s, s, s, s}; }

#if defined(__AVX__)
/* min/max return the second operand for NaN, so garbage in padded lanes stays finite. */
static inline v8 vmin(v8 a, v8 b) { return (v8)_mm256_min_ps((__m256)a, (__m256)b); }
static inline v8 vmax(v8 a, v8 b) { return (v8)_mm256_max_ps((__m256)a, (__m256)b); }
#else
static inline v8 vsel(v8i mask, v8 a, v8 b) { return (v8)((mask & (v8i)a) | (~mask & (v8i)b)); }
static inline v8 vmin(v8 a, v8 b) { return vsel(a < b, a, b); }
static inline v8 vmax(v8 a, v8 b) { return vsel(a > b, a, b); }
#endif

/* tanh(x) ≈ x·P(x²)/Q(x²) on |x| ≤ 9, ±1 beyond (tanh(9) rounds to 1 in float32).
 * A [9/8] odd rational fitted for this project by iteratively reweighted least squares on the
 * relative error: 2e-8 in exact arithmetic, ≤ 4e-7 (a few ulp) evaluated in float32. */
#define TANH_CLAMP 9.0f
#define TP0 0.9999999794867809f
#define TP1 0.13381024790687845f
#define TP2 0.0034955870436029187f
#define TP3 2.0609060918245267e-05f
#define TP4 1.33546244063254e-08f
#define TQ1 0.46714340387317804f
#define TQ2 0.02587697828235229f
#define TQ3 0.0003285632896417809f
#define TQ4 7.77654473874817e-07f

static inline v8 vtanh(v8 x)
{
    x = vmin(vmax(x, bc(-TANH_CLAMP)), bc(TANH_CLAMP));
    const v8 s = x * x;
    v8 p = s * TP4 + TP3;
    p = p * s + TP2;
    p = p * s + TP1;
    p = p * s + TP0;
    v8 q = s * TQ4 + TQ3;
    q = q * s + TQ2;
    q = q * s + TQ1;
    q = q * s + 1.0f;
    return vmin(vmax(x * p / q, bc(-1.0f)), bc(1.0f));
}

/* sigmoid(x) = (1 + tanh(x/2)) / 2: one accurate approximation serves both. */
static inline v8 vsigmoid(v8 x) { return 0.5f + 0.5f * vtanh(0.5f * x); }

enum activation {
    ACT_TANH = 0,
    ACT_HARDTANH = 1,
    ACT_RELU = 2,
    ACT_LEAKY_RELU = 3,
    ACT_SIGMOID = 4,
    ACT_SILU = 5,
    ACT_HARDSWISH = 6,
    ACT_SOFTSIGN = 7,
    ACT_COUNT = 8
};

static inline v8 vact(int act, v8 x)
{
    switch (act) {
    case ACT_TANH:
        return vtanh(x);
    case ACT_HARDTANH:
        return vmin(vmax(x, bc(-1.0f)), bc(1.0f));
    case ACT_RELU:
        return vmax(x, bc(0.0f));
    case ACT_LEAKY_RELU: /* PyTorch's default negative slope */
        return vmax(x, bc(0.0f)) + 0.01f * vmin(x, bc(0.0f));
    case ACT_SIGMOID:
        return vsigmoid(x);
    case ACT_SILU:
        return x * vsigmoid(x);
    case ACT_HARDSWISH:
        return x * vmin(vmax(x + 3.0f, bc(0.0f)), bc(6.0f)) * (1.0f / 6.0f);
    default: { /* ACT_SOFTSIGN */
        const v8 ax = vmax(x, -x);
        return x / (1.0f + ax);
    }
    }
}

#endif
