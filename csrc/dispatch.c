/* Which variant of the helpers this CPU runs (see rnnc_dispatch.h). */
#include "rnnc.h"

#if RNNC_DISPATCHED
#include <cpuid.h>

/* the CPUID bits of the features GCC enables for -march=x86-64-v3 and -v4 */
#define LEAF1_ECX_V3 (1u << 0 | 1u << 9 | 1u << 12 | 1u << 13 | 1u << 19 | 1u << 20 | \
                      1u << 22 | 1u << 23 | 1u << 26 | 1u << 28 | 1u << 29)
                      /* SSE3 SSSE3 FMA CX16 SSE4.1 SSE4.2 MOVBE POPCNT XSAVE AVX F16C */
#define LEAF7_EBX_V3 (1u << 3 | 1u << 5 | 1u << 8)                    /* BMI AVX2 BMI2 */
#define LEAF7_EBX_V4 (1u << 16 | 1u << 17 | 1u << 28 | 1u << 30 | 1u << 31)
                      /* AVX512F AVX512DQ AVX512CD AVX512BW AVX512VL */
#define EXT1_ECX_V3 (1u << 0 | 1u << 5)                                /* LAHF LZCNT */
#define LEAF1_ECX_OSXSAVE (1u << 27)
#define XCR0_AVX 0x06u          /* the OS saves XMM and YMM state */
#define XCR0_AVX512 0xe6u       /* ... and the opmask and ZMM state too */

__attribute__((visibility("hidden"))) int rnnc_cpu_level(void)
{
    unsigned a, b, c, d, leaf1_ecx, leaf7_ebx, ext1_ecx;
    if (!__get_cpuid(1, &a, &b, &leaf1_ecx, &d) || !(leaf1_ecx & LEAF1_ECX_OSXSAVE) ||
        __get_cpuid_max(0, 0) < 7 || !__get_cpuid(0x80000001u, &a, &b, &ext1_ecx, &d))
        return RNNC_LEVEL_BASELINE;
    __cpuid_count(7, 0, a, leaf7_ebx, c, d);
    /* which register states the OS saves (xgetbv, allowed as OSXSAVE is set) */
    unsigned xcr0, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0), "=d"(xcr0_high) : "c"(0));
    (void)xcr0_high;
    if ((leaf1_ecx & LEAF1_ECX_V3) != LEAF1_ECX_V3 || (leaf7_ebx & LEAF7_EBX_V3) != LEAF7_EBX_V3 ||
        (ext1_ecx & EXT1_ECX_V3) != EXT1_ECX_V3 || (xcr0 & XCR0_AVX) != XCR0_AVX)
        return RNNC_LEVEL_BASELINE;
    if ((leaf7_ebx & LEAF7_EBX_V4) != LEAF7_EBX_V4 || (xcr0 & XCR0_AVX512) != XCR0_AVX512)
        return RNNC_LEVEL_V3;
    return RNNC_LEVEL_V4;
}

/* read by the variants' rnnc_wide_vectors(); set before any helper runs */
__attribute__((visibility("hidden"))) int rnnc_cpu_has_v4;

__attribute__((constructor)) static void note_cpu_level(void)
{
    rnnc_cpu_has_v4 = rnnc_cpu_level() == RNNC_LEVEL_V4;
}
#endif

int rnnc_dispatched(void) { return RNNC_DISPATCHED; }

const char *rnnc_simd_path(void)
{
#if RNNC_DISPATCHED
    switch (rnnc_cpu_level()) {
    case RNNC_LEVEL_V4:
        return "x86-64-v4 (AVX-512)";
    case RNNC_LEVEL_V3:
        return "x86-64-v3 (AVX2, FMA)";
    }
#endif
    return "baseline";
}
