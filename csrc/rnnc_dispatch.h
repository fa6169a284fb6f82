/* Runtime CPU dispatch for the helpers in csrc/.
 *
 * Wheels must run on any x86-64 machine, so nothing here is compiled for a
 * newer instruction set than the baseline.  Instead, each hot helper is marked
 * RNNC_DISPATCH: GCC builds it three times (AVX-512, AVX2+FMA, baseline) and
 * an ELF ifunc resolver picks the best one when the module is loaded.  ifunc
 * needs glibc, so everywhere else the macro is empty and the baseline build
 * is all there is.  RNNC_DISPATCHED tells tests which of the two happened.
 */
#ifndef RNNC_DISPATCH_H
#define RNNC_DISPATCH_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    defined(__linux__) && defined(__GLIBC__) && !defined(RNNC_NO_DISPATCH)
#define RNNC_DISPATCH __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define RNNC_DISPATCHED 1
#else
#define RNNC_DISPATCH
#define RNNC_DISPATCHED 0
#endif

/* Helpers called from dispatched functions must be inlined into each clone,
 * or they run with the baseline instruction set. */
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

/* Whether the RNNC_VECTORS paths should run: GCC's 64-byte vectors are one
 * register only with AVX-512; on other targets GCC splits every operation on
 * them, which is far slower than plain loops.  All clones contain both paths
 * and choose at run time (a predictable branch per call). */
#if RNNC_VECTORS && defined(__AVX512F__)
#define rnnc_wide_vectors() 1
#elif RNNC_VECTORS && RNNC_DISPATCHED
#define rnnc_wide_vectors() __builtin_cpu_supports("x86-64-v4")
#else
#define rnnc_wide_vectors() 0
#endif

/* MSVC's C compiler spells C99's restrict as __restrict */
#if defined(_MSC_VER) && !defined(__cplusplus) && !defined(restrict)
#define restrict __restrict
#endif

#endif
