/* Runtime CPU dispatch for the helpers in csrc/.
 *
 * Wheels must run on any x86-64 machine, so nothing is compiled for a newer
 * instruction set than the baseline by the command line.  Instead, with GCC
 * or clang on x86-64 glibc Linux, rnnc_instances.h compiles each template
 * three times, for x86-64-v4 (AVX-512), x86-64-v3 (AVX2, FMA) and the
 * baseline, under target pragmas, and RNNC_IFUNC gives each public helper an
 * ELF ifunc resolver that picks the variant for this CPU when the module is
 * loaded.  Only feature names that GCC 5+ and clang know are used: GCC's
 * "arch=x86-64-vN" names arrived in GCC 12, and target_clones makes one
 * clone per feature ("avx2,fma" gives an AVX2 clone without FMA and an FMA
 * clone), which would change what the helpers compute.  The CPU is asked
 * with cpuid, not __builtin_cpu_supports, whose names differ by compiler
 * and version.
 * RNNC_FORCE_LEVEL=v3 (or baseline) in the environment the process starts
 * with makes the resolvers pick that level where the CPU has a higher one
 * (dispatch.c), to measure or test it on a newer machine.
 * Elsewhere (no ifunc: macOS, Windows, musl) there is one plain build.
 * RNNC_DISPATCHED tells which of the two happened.
 */
#ifndef RNNC_DISPATCH_H
#define RNNC_DISPATCH_H

#include <limits.h>     /* a libc header: defines __GLIBC__ where it is glibc */

#if defined(__GNUC__) && defined(__x86_64__) && defined(__linux__) && \
    defined(__GLIBC__) && !defined(RNNC_NO_DISPATCH)
#define RNNC_DISPATCHED 1
#else
#define RNNC_DISPATCHED 0
#endif

/* The instruction sets of the variants, as x86-64 levels (what
 * rnnc_cpu_level returns); the features are those GCC enables for
 * -march=x86-64-v3 and -v4, so the variants compile as the levels do. */
#define RNNC_LEVEL_BASELINE 1
#define RNNC_LEVEL_V3 3
#define RNNC_LEVEL_V4 4

#if RNNC_DISPATCHED
/* The highest level this CPU and its OS support (cpuid and xgetbv).  Hidden,
 * so the ifunc resolvers call it directly: they run while the module is
 * being relocated, before any PLT entry may be used. */
__attribute__((visibility("hidden"))) int rnnc_cpu_level(void);

/* Defines the public helper f as an ifunc choosing f_v4, f_v3 or f_base. */
#define RNNC_IFUNC(f)                                                          \
    __attribute__((used)) static __typeof__(f##_base) *resolve_##f(void)      \
    {                                                                          \
        const int level = rnnc_cpu_level();                                    \
        return level >= RNNC_LEVEL_V4 ? f##_v4 : level >= RNNC_LEVEL_V3 ? f##_v3 : f##_base; \
    }                                                                          \
    __typeof__(f##_base) f __attribute__((ifunc("resolve_" #f)));
#endif

/* The public helpers of a template: with dispatch, each variant is local to
 * its file and reached through the resolver. */
#if RNNC_DISPATCHED
#define RNNC_API static
#else
#define RNNC_API
#endif

/* Helpers called from the public ones are inlined into each variant, so
 * that they run with its instruction set. */
#if defined(__GNUC__)
#define RNNC_INLINE static inline __attribute__((always_inline))
#else
#define RNNC_INLINE static inline
#endif

/* GCC's vector extension (clang lacks its __builtin_shuffle), for the
 * register tiles of gemm and gemv; elsewhere plain loops */
#ifndef RNNC_VECTORS
#if defined(__GNUC__) && !defined(__clang__)
#define RNNC_VECTORS 1
#else
#define RNNC_VECTORS 0
#endif
#endif

/* The width in bytes of the templates' vectors in a build for one target
 * (the dispatched variants set their own in rnnc_instances.h): one register
 * of the target, 0 for plain loops.  A vector wider than a register would be
 * split into several by GCC, far slower than plain loops. */
#if !RNNC_VECTORS
#define RNNC_TARGET_VEC_BYTES 0
#elif defined(__AVX512F__)
#define RNNC_TARGET_VEC_BYTES 64
#elif defined(__AVX__)
#define RNNC_TARGET_VEC_BYTES 32
#elif defined(__SSE2__) || defined(__ARM_NEON) || defined(__aarch64__)
#define RNNC_TARGET_VEC_BYTES 16
#else
#define RNNC_TARGET_VEC_BYTES 0
#endif

/* 1 where a build for one target multiplies and adds in one instruction */
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
#define RNNC_TARGET_FMA 1
#else
#define RNNC_TARGET_FMA 0
#endif

/* MSVC's C compiler spells C99's restrict as __restrict */
#if defined(_MSC_VER) && !defined(__cplusplus) && !defined(restrict)
#define restrict __restrict
#endif

#endif
