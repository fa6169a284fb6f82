/* Drives rnnc's own C helpers (csrc/, built by the benchmark as setup.py
 * builds them) in the same tight loops as roofline.c, to see how close the
 * helpers alone come to the roofline. */
#include <string.h>

#include "rnnc.h"

#define DRIVE(REAL, S)                                                          \
void drive_gemv_##S(ptrdiff_t n, const REAL *A, REAL *x, REAL *y, long reps, int chained) { \
    for (long r = 0; r < reps; r++) {                                           \
        memset(y, 0, n * sizeof(REAL));                                         \
        /* rows alternating direction, as in training */                        \
        rnnc_gemv_##S(n, n, A, n, x, y, chained && (r & 1));                    \
        if (chained) { REAL *t = x; x = y; y = t; }                             \
    }                                                                           \
}                                                                               \
/* n x n by n x 32: one step of a 32-record block of the batched forward */     \
void drive_gemm_##S(ptrdiff_t n, const REAL *A, REAL *X, REAL *Y, long reps, int chained) { \
    for (long r = 0; r < reps; r++) {                                           \
        memset(Y, 0, n * 32 * sizeof(REAL));                                    \
        rnnc_gemm_##S(n, n, 32, A, X, Y);                                       \
        if (chained) { REAL *t = X; X = Y; Y = t; }                             \
    }                                                                           \
}                                                                               \
void drive_sigmoid_##S(ptrdiff_t n, const REAL *z, REAL *out, long reps) {      \
    for (long r = 0; r < reps; r++) {                                           \
        rnnc_sigmoid_##S(n, z, out);                                            \
        __asm__ volatile("" : : "r"(out) : "memory");                           \
    }                                                                           \
}

DRIVE(double, d)
DRIVE(float, s)
