/* The roofline's plain C matrix-vector product, compiled by the benchmark for
 * this CPU (-O3 -march=native): y = A @ x, A (n, n) row-major, repeated. */
#include <stddef.h>

/* One dot product per row, four rows per pass sharing the loads of x. */
#define GEMV(NAME, REAL)                                                        \
static void NAME##_kernel(ptrdiff_t m, ptrdiff_t n, const REAL *restrict A,     \
                          const REAL *restrict x, REAL *restrict y) {           \
    ptrdiff_t i = 0;                                                            \
    for (; i + 4 <= m; i += 4) {                                                \
        const REAL *a0 = A + i * n, *a1 = a0 + n, *a2 = a1 + n, *a3 = a2 + n;   \
        REAL s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                    \
        _Pragma("omp simd reduction(+:s0,s1,s2,s3)")                            \
        for (ptrdiff_t j = 0; j < n; j++) {                                     \
            s0 += a0[j] * x[j]; s1 += a1[j] * x[j];                             \
            s2 += a2[j] * x[j]; s3 += a3[j] * x[j];                             \
        }                                                                       \
        y[i] = s0; y[i + 1] = s1; y[i + 2] = s2; y[i + 3] = s3;                 \
    }                                                                           \
    for (; i < m; i++) {                                                        \
        REAL s = 0;                                                             \
        _Pragma("omp simd reduction(+:s)")                                      \
        for (ptrdiff_t j = 0; j < n; j++) s += A[i * n + j] * x[j];             \
        y[i] = s;                                                               \
    }                                                                           \
}                                                                               \
/* reps matvecs; chained: x_{r+1} = A x_r (each waits for the last, as the    \
   recurrence does), else y = A x from the same x every time (throughput). */   \
void NAME(ptrdiff_t n, const REAL *A, REAL *x, REAL *y, long reps, int chained) {\
    for (long r = 0; r < reps; r++) {                                           \
        NAME##_kernel(n, n, A, x, y);                                           \
        if (chained) { REAL *t = x; x = y; y = t; }                             \
        else __asm__ volatile("" : : "r"(y) : "memory");                        \
    }                                                                           \
}

GEMV(gemv_d, double)
GEMV(gemv_s, float)
