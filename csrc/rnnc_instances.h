/* The instances of one template for one element type.  Included once per
 * type by linalg.c and activation.c, with RNNC_TEMPLATE (the template's file
 * name), REAL (the C type) and SUFFIX (_d or _s) defined.  The template names
 * everything it defines through NAME(f), which appends SUFFIX and, when the
 * helpers dispatch (rnnc_dispatch.h), the variant's _v4, _v3 or _base.
 *
 * The target pragmas apply to every function of the template, the inline
 * helpers too; their feature lists are GCC's for -march=x86-64-v4 and -v3.
 * RNNC_VEC_BYTES is the width of the template's vectors: one register of the
 * variant (ZMM, YMM, XMM), 0 without GCC's vector extension; RNNC_FMA is 1
 * where the variant multiplies and adds in one instruction.
 * The AVX-512 variant's loops that the compiler vectorises itself (the
 * activations, clip, the updates, gemv_t) prefer 256-bit vectors, as GCC's
 * tuning for Intel's AVX-512 CPUs does (GCC 8+; clang keeps its default): rows
 * are short at small hidden sizes, and a 512-bit loop then spends its time in
 * remainders (hidden 10: 8 elements in ZMM, 2 in a scalar epilogue).  Each
 * element is computed the same either way; the register tiles of gemv and
 * gemm (VEC) stay 512 bits wide.
 */
#define RNNC_PASTE_(a, b) a##b
#define RNNC_PASTE(a, b) RNNC_PASTE_(a, b)
#define NAME(f) RNNC_PASTE(RNNC_PASTE(f, SUFFIX), VARIANT)

#if RNNC_DISPATCHED
#define VARIANT _v4
#define RNNC_VEC_BYTES (RNNC_VECTORS ? 64 : 0)
#define RNNC_FMA 1
#if defined(__clang__)
#pragma clang attribute push (__attribute__((target("avx512f,avx512bw,avx512cd,avx512dq,avx512vl,avx,avx2,bmi,bmi2,cx16,f16c,fma,lzcnt,movbe,popcnt,sahf,sse3,sse4.1,sse4.2,ssse3,xsave"))), apply_to = function)
#else
#pragma GCC push_options
#if __GNUC__ >= 8
#pragma GCC target("avx512f,avx512bw,avx512cd,avx512dq,avx512vl,avx,avx2,bmi,bmi2,cx16,f16c,fma,lzcnt,movbe,popcnt,sahf,sse3,sse4.1,sse4.2,ssse3,xsave,prefer-vector-width=256")
#else
#pragma GCC target("avx512f,avx512bw,avx512cd,avx512dq,avx512vl,avx,avx2,bmi,bmi2,cx16,f16c,fma,lzcnt,movbe,popcnt,sahf,sse3,sse4.1,sse4.2,ssse3,xsave")
#endif
#endif
#include RNNC_TEMPLATE
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#undef VARIANT
#undef RNNC_VEC_BYTES
#undef RNNC_FMA

#define VARIANT _v3
#define RNNC_VEC_BYTES (RNNC_VECTORS ? 32 : 0)
#define RNNC_FMA 1
#if defined(__clang__)
#pragma clang attribute push (__attribute__((target("avx,avx2,bmi,bmi2,cx16,f16c,fma,lzcnt,movbe,popcnt,sahf,sse3,sse4.1,sse4.2,ssse3,xsave"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx,avx2,bmi,bmi2,cx16,f16c,fma,lzcnt,movbe,popcnt,sahf,sse3,sse4.1,sse4.2,ssse3,xsave")
#endif
#include RNNC_TEMPLATE
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#undef VARIANT
#undef RNNC_VEC_BYTES
#undef RNNC_FMA

#define VARIANT _base
#define RNNC_VEC_BYTES (RNNC_VECTORS ? 16 : 0)
#define RNNC_FMA 0
#include RNNC_TEMPLATE
#undef VARIANT
#undef RNNC_VEC_BYTES
#undef RNNC_FMA

#else   /* one plain build, under the public names */
#define VARIANT
#define RNNC_VEC_BYTES RNNC_TARGET_VEC_BYTES
#define RNNC_FMA RNNC_TARGET_FMA
#include RNNC_TEMPLATE
#undef VARIANT
#undef RNNC_VEC_BYTES
#undef RNNC_FMA
#endif

#undef NAME
