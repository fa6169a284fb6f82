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

/* The highest level this CPU and its OS support. */
static int cpu_level_detected(void)
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

/* Raw system calls: the resolvers run before this module's calls into libc
 * (getenv) are bound, so they may call nothing outside it. */
static long raw_syscall3(long number, long a1, long a2, long a3)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(number), "D"(a1), "S"(a2), "d"(a3)
                     : "rcx", "r11", "memory");
    return ret;
}

#define SYS_READ 0
#define SYS_OPEN 2
#define SYS_CLOSE 3

static int same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* The level named by RNNC_FORCE_LEVEL (v4, v3 or baseline) in the
 * environment the process started with (/proc/self/environ), or 0. */
static int forced_level(void)
{
    static const char key[] = "RNNC_FORCE_LEVEL=";
    char value[16], buf[4096];
    int matched = 0, found = 0, len = 0;   /* characters of key, of value */
    const long fd = raw_syscall3(SYS_OPEN, (long)"/proc/self/environ", 0 /* O_RDONLY */, 0);
    if (fd < 0)
        return 0;
    long got;
    while (!found && (got = raw_syscall3(SYS_READ, fd, (long)buf, sizeof buf)) > 0)
        for (long i = 0; i < got && !found; i++) {
            const char ch = buf[i];
            if (matched == (int)sizeof key - 1) {            /* in the value */
                if (ch == 0)
                    found = 1;
                else if (len < (int)sizeof value - 1)
                    value[len++] = ch;
            } else if (matched >= 0 && ch == key[matched]) {
                matched++;
            } else {                                         /* skip to the next entry */
                matched = ch == 0 ? 0 : -1;
            }
        }
    raw_syscall3(SYS_CLOSE, fd, 0, 0);
    if (matched != (int)sizeof key - 1)
        return 0;
    value[len] = 0;
    return same(value, "v4") || same(value, "x86-64-v4") ? RNNC_LEVEL_V4 :
           same(value, "v3") || same(value, "x86-64-v3") ? RNNC_LEVEL_V3 :
           same(value, "baseline") ? RNNC_LEVEL_BASELINE : 0;
}

/* The level found once (the resolvers run one after another, while the
 * module loads) and the one the variants run with: the CPU's, or a lower
 * one that RNNC_FORCE_LEVEL asks for (a higher one would not run). */
static int detected_level, chosen_level;

static void find_levels(void)
{
    if (chosen_level)
        return;
    detected_level = cpu_level_detected();
    const int forced = forced_level();
    chosen_level = forced && forced < detected_level ? forced : detected_level;
}

__attribute__((visibility("hidden"))) int rnnc_cpu_level(void)
{
    find_levels();
    return chosen_level;
}

#endif

int rnnc_dispatched(void) { return RNNC_DISPATCHED; }

const char *rnnc_simd_path(void)
{
#if RNNC_DISPATCHED
    find_levels();
    /* forced: say so (benchmarks name their results files by it) */
    if (chosen_level == RNNC_LEVEL_V3 && detected_level == RNNC_LEVEL_V4)
        return "x86-64-v3 (AVX2, FMA), forced by RNNC_FORCE_LEVEL on an x86-64-v4 CPU";
    if (chosen_level == RNNC_LEVEL_BASELINE && detected_level == RNNC_LEVEL_V4)
        return "baseline, forced by RNNC_FORCE_LEVEL on an x86-64-v4 CPU";
    if (chosen_level == RNNC_LEVEL_BASELINE && detected_level == RNNC_LEVEL_V3)
        return "baseline, forced by RNNC_FORCE_LEVEL on an x86-64-v3 CPU";
    switch (chosen_level) {
    case RNNC_LEVEL_V4:
        return "x86-64-v4 (AVX-512)";
    case RNNC_LEVEL_V3:
        return "x86-64-v3 (AVX2, FMA)";
    }
#elif defined(__aarch64__)
    return "arm64 (NEON)";          /* the one build: NEON is part of arm64 */
#endif
    return "baseline";
}
