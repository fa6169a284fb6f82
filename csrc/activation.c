/* The hidden layer's activations, sigmoid and tanh, and their backward steps
 * (the loops: activation_impl.h).
 *
 * sigmoid(z) = 1 / (1 + exp(-z)) is evaluated through e = exp(-|z|), which
 * lies in [0, 1] and never overflows:
 *     z >= 0:  1 / (1 + e)        z < 0:  e / (1 + e)
 * exp is our own so that the loop vectorises (a libm call would not):
 * exp(x) = 2^n * exp(r) with n = round(x / ln 2), r = x - n ln 2 in
 * [-ln2/2, ln2/2], exp(r) by its Taylor series (degree 13 for double, 7 for
 * float: truncation error below a tenth of an ulp; evaluated by Estrin's
 * scheme, for a short chain of dependent operations), and 2^n as a normal
 * power of two built from its bits times a constant one, so that results
 * down to the smallest subnormal are right (while the SGD kernel runs, subnormal results are flushed to zero:
 * see float_env.c).  NaN in gives NaN out; +-inf give 1 and 0.
 *
 * tanh(z) = sign(z) (1 - e) / (1 + e) with e = exp(-2|z|), written with
 * m = e - 1 so that it keeps full relative precision near 0.
 */
#include <stdint.h>
#include <string.h>
#include "rnnc.h"

/* exp(x) - 1 for x <= 0 (or NaN), as (q, scale): exp(x) = (1 + q) * scale.
 * When scale is 1 (|x| < ln2/2), q itself is exp(x) - 1 to full relative
 * precision, which tanh needs near 0. */
RNNC_INLINE double expm1_parts_d(double x, double *scale)
{
    const double log2e = 1.4426950408889634, ln2_hi = 0x1.62e42fee00000p-1,
                 ln2_lo = 0x1.a39ef35793c76p-33, shifter = 0x1.8p52;
    x = x < -746.0 ? -746.0 : x;                 /* exp(-746) rounds to 0 */
    double t = x * log2e + shifter;              /* n in the low mantissa bits */
    double nd = t - shifter;
    double r = (x - nd * ln2_hi) - nd * ln2_lo;
    /* exp(r) - 1 = r P(r), P(r) = sum of r^k / (k+1)! for k <= 12, by
     * Estrin's scheme: 5 multiply-adds deep where Horner's rule is 13 (the
     * recurrence waits on every activation: at hidden 10 its latency shows) */
    const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const double p0 = 1.0 + r * 0.5, p1 = 1 / 6.0 + r * (1 / 24.0),
                 p2 = 1 / 120.0 + r * (1 / 720.0), p3 = 1 / 5040.0 + r * (1 / 40320.0),
                 p4 = 1 / 362880.0 + r * (1 / 3628800.0),
                 p5 = 1 / 39916800.0 + r * (1 / 479001600.0), p6 = 1 / 6227020800.0;
    const double lo = (p0 + r2 * p1) + r4 * (p2 + r2 * p3), hi = (p4 + r2 * p5) + r4 * p6;
    const double q = r * (lo + r8 * hi);         /* exp(r) - 1 */
    uint64_t tbits;
    memcpy(&tbits, &t, sizeof t);
    /* n (-1077 <= n <= 0) sits in t's low bits: 2^(n + 56) is normal for
     * every n, and one product scales it down to 2^n, rounded once where
     * 2^n is subnormal (exactly, down to n = -1074) */
    const uint64_t bits = (tbits - 0x4338000000000000ULL + 56 + 1023) << 52;
    double s;
    memcpy(&s, &bits, sizeof s);
    *scale = s * 0x1p-56;
    return q;
}

RNNC_INLINE float expm1_parts_s(float x, float *scale)
{
    const float log2e = 1.44269504f, ln2_hi = 0x1.62e400p-1f, ln2_lo = 0x1.7f7d1cp-20f,
                shifter = 0x1.8p23f;
    x = x < -104.0f ? -104.0f : x;                /* exp(-104) rounds to 0 */
    float t = x * log2e + shifter;
    float nd = t - shifter;
    float r = (x - nd * ln2_hi) - nd * ln2_lo;
    /* r P(r), P(r) = sum of r^k / (k+1)! for k <= 6, by Estrin's scheme */
    const float r2 = r * r, r4 = r2 * r2;
    const float q = r * (((1.0f + r * 0.5f) + r2 * (1 / 6.0f + r * (1 / 24.0f))) +
                         r4 * ((1 / 120.0f + r * (1 / 720.0f)) + r2 * (1 / 5040.0f)));
    uint32_t tbits;
    memcpy(&tbits, &t, sizeof t);
    /* -151 <= n <= 0; 2^(n + 25) is normal, then scaled as in the double's */
    const uint32_t bits = (tbits - 0x4B400000U + 25 + 127) << 23;
    float s;
    memcpy(&s, &bits, sizeof s);
    *scale = s * 0x1p-25f;
    return q;
}

#define RNNC_TEMPLATE "activation_impl.h"

#define REAL double
#define SUFFIX _d
#define EXPM1_PARTS expm1_parts_d
#include "rnnc_instances.h"
#undef REAL
#undef SUFFIX
#undef EXPM1_PARTS

#define REAL float
#define SUFFIX _s
#define EXPM1_PARTS expm1_parts_s
#include "rnnc_instances.h"
#undef REAL
#undef SUFFIX
#undef EXPM1_PARTS

#if RNNC_DISPATCHED
RNNC_IFUNC(rnnc_sigmoid_d)
RNNC_IFUNC(rnnc_sigmoid_s)
RNNC_IFUNC(rnnc_sigmoid_slope_d)
RNNC_IFUNC(rnnc_sigmoid_slope_s)
RNNC_IFUNC(rnnc_tanh_d)
RNNC_IFUNC(rnnc_tanh_s)
RNNC_IFUNC(rnnc_tanh_slope_d)
RNNC_IFUNC(rnnc_tanh_slope_s)
#endif
