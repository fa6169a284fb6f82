/* The C helpers rnnc's Cython kernels call: one double (_d) and one float (_s)
 * version of each.  Matrices are row-major and contiguous; lengths are
 * explicit; output arrays never alias inputs unless a comment says so.
 */
#ifndef RNNC_H
#define RNNC_H

#include <stddef.h>
#include "rnnc_dispatch.h"

#define RNNC_DECLARE(REAL, S)                                                   \
    /* y += A @ x,  A (m, n) with rows lda apart; backwards: rows in reverse   \
     * order (same results) */                                                  \
    void rnnc_gemv_##S(ptrdiff_t m, ptrdiff_t n, const REAL *A, ptrdiff_t lda, const REAL *x, \
                       REAL *y, int backwards);                                 \
    /* y = A.T @ x,  A (m, n) with rows lda apart; backwards: rows in reverse order */ \
    void rnnc_gemv_t_##S(ptrdiff_t m, ptrdiff_t n, const REAL *A, ptrdiff_t lda, \
                         const REAL *x, REAL *y, int backwards);                \
    /* A += np.outer(x, y),  A (m, n) */                                        \
    void rnnc_ger_##S(ptrdiff_t m, ptrdiff_t n, const REAL *x, const REAL *y, REAL *A); \
    /* C = A.T @ B,  A (k, m) and B (k, n) with rows lda and ldb apart, C (m, n) */ \
    void rnnc_gemm_tn_##S(ptrdiff_t m, ptrdiff_t k, ptrdiff_t n, const REAL *A, ptrdiff_t lda, \
                          const REAL *B, ptrdiff_t ldb, REAL *C);               \
    /* C -= alpha * np.clip(A.T @ B, lo, hi),  A (k, m), B (k, n), C (m, n) with \
     * rows lda, ldb, ldc apart; the rows of C last to first when backwards;    \
     * A.T @ B must be finite */                                                \
    void rnnc_gemm_tn_clip_sub_##S(ptrdiff_t m, ptrdiff_t k, ptrdiff_t n, const REAL *A, \
                                   ptrdiff_t lda, const REAL *B, ptrdiff_t ldb, REAL lo, \
                                   REAL hi, REAL alpha, REAL *C, ptrdiff_t ldc,  \
                                   int backwards);                               \
    /* C += A @ B,  A (m, k), B (k, n), C (m, n) */                             \
    void rnnc_gemm_##S(ptrdiff_t m, ptrdiff_t k, ptrdiff_t n, const REAL *A, const REAL *B, REAL *C); \
    /* out = sigmoid(z); out may be z */                                        \
    void rnnc_sigmoid_##S(ptrdiff_t n, const REAL *z, REAL *out);              \
    /* h = sigmoid(z), slope = sigmoid'(z); h may be z */                    \
    void rnnc_sigmoid_slope_##S(ptrdiff_t n, const REAL *z, REAL *h, REAL *slope); \
    /* out = tanh(z); out may be z */                                           \
    void rnnc_tanh_##S(ptrdiff_t n, const REAL *z, REAL *out);                 \
    /* h = tanh(z), slope = tanh'(z); h may be z */                          \
    void rnnc_tanh_slope_##S(ptrdiff_t n, const REAL *z, REAL *h, REAL *slope); \
    /* x = np.clip(x, lo, hi); returns 1 if x held a NaN or infinity, else 0 */ \
    int rnnc_clip_##S(ptrdiff_t n, REAL *x, REAL lo, REAL hi);                  \
    /* y -= alpha * x; backwards: last element first (same results) */         \
    void rnnc_sub_scaled_##S(ptrdiff_t n, REAL alpha, const REAL *x, REAL *y, int backwards); \
    /* max(abs(x)); NaN if x holds one */                                       \
    REAL rnnc_max_abs_##S(ptrdiff_t n, const REAL *x);

RNNC_DECLARE(double, d)
RNNC_DECLARE(float, s)

/* Flush subnormal results to zero in this thread (see float_env.c); end
 * restores what begin returned. */
unsigned rnnc_flush_subnormals_begin(void);
void rnnc_flush_subnormals_end(unsigned saved);

/* 1 when the helpers were built with runtime dispatch (target_clones). */
int rnnc_dispatched(void);
/* The instruction set the dispatched helpers run with here. */
const char *rnnc_simd_path(void);

#endif
