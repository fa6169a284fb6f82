/* The C helpers rnnc's Cython kernels call: one double (_d) and one float (_s)
 * version of each.  Matrices are row-major and contiguous; lengths are
 * explicit; output arrays never alias inputs unless a comment says so.
 */
#ifndef RNNC_H
#define RNNC_H

#include <stddef.h>
#include "rnnc_dispatch.h"

/* y += A @ x,  A (m, n) with rows lda apart; backwards: rows in reverse
 * order (same results) */
void rnnc_gemv_d(ptrdiff_t m, ptrdiff_t n, const double *A, ptrdiff_t lda, const double *x,
                 double *y, int backwards);
void rnnc_gemv_s(ptrdiff_t m, ptrdiff_t n, const float *A, ptrdiff_t lda, const float *x,
                 float *y, int backwards);
/* y = A.T @ x,  A (m, n) with rows lda apart; backwards: rows in reverse order */
void rnnc_gemv_t_d(ptrdiff_t m, ptrdiff_t n, const double *A, ptrdiff_t lda, const double *x,
                   double *y, int backwards);
void rnnc_gemv_t_s(ptrdiff_t m, ptrdiff_t n, const float *A, ptrdiff_t lda, const float *x,
                   float *y, int backwards);
/* A += np.outer(x, y),  A (m, n) */
void rnnc_ger_d(ptrdiff_t m, ptrdiff_t n, const double *x, const double *y, double *A);
void rnnc_ger_s(ptrdiff_t m, ptrdiff_t n, const float *x, const float *y, float *A);
/* C = A.T @ B,  A (k, m) and B (k, n) with rows lda and ldb apart, C (m, n) */
void rnnc_gemm_tn_d(ptrdiff_t m, ptrdiff_t k, ptrdiff_t n, const double *A, ptrdiff_t lda,
                    const double *B, ptrdiff_t ldb, double *C);
void rnnc_gemm_tn_s(ptrdiff_t m, ptrdiff_t k, ptrdiff_t n, const float *A, ptrdiff_t lda,
                    const float *B, ptrdiff_t ldb, float *C);
/* C -= alpha * np.clip(A.T @ B, lo, hi),  A (k, m), B (k, n), C (m, n) with
 * rows lda, ldb, ldc apart; the rows of C last to first when backwards;
 * A.T @ B must be finite */
void rnnc_gemm_tn_clip_sub_d(ptrdiff_t m, ptrdiff_t k, ptrdiff_t n, const double *A,
                             ptrdiff_t lda, const double *B, ptrdiff_t ldb, double lo,
                             double hi, double alpha, double *C, ptrdiff_t ldc, int backwards);
void rnnc_gemm_tn_clip_sub_s(ptrdiff_t m, ptrdiff_t k, ptrdiff_t n, const float *A,
                             ptrdiff_t lda, const float *B, ptrdiff_t ldb, float lo,
                             float hi, float alpha, float *C, ptrdiff_t ldc, int backwards);
/* C += A @ B,  A (m, k), B (k, n), C (m, n); each element of C one sum over
 * l in order, from zero, then added */
void rnnc_gemm_d(ptrdiff_t m, ptrdiff_t k, ptrdiff_t n, const double *A, const double *B,
                 double *C);
void rnnc_gemm_s(ptrdiff_t m, ptrdiff_t k, ptrdiff_t n, const float *A, const float *B,
                 float *C);
/* y += A @ x,  A (m, k) given as AT = A.T, (k, m) with rows ldat apart:
 * each y[i] summed as rnnc_gemm sums each element of C (over l in order,
 * from zero, then added), so that y is bit for bit a column of that gemm */
void rnnc_gemv_cols_d(ptrdiff_t m, ptrdiff_t k, const double *AT, ptrdiff_t ldat,
                      const double *x, double *y);
void rnnc_gemv_cols_s(ptrdiff_t m, ptrdiff_t k, const float *AT, ptrdiff_t ldat,
                      const float *x, float *y);
/* How rnnc_gemm_strided puts the product P into C */
enum { RNNC_SET = 0, RNNC_ADD = 1, RNNC_MUL = 2 };   /* C = P, C += P, C *= P */
/* C (mode)= A @ B,  A (m, k) with A[i, l] at A[i * ar + l * ac] (ar = 1, ac =
 * lda: A.T of a (k, m) matrix), B (k, n) and C (m, n) with rows ldb and ldc
 * apart; each element of C is one sum over l in order, put into C once */
void rnnc_gemm_strided_d(ptrdiff_t m, ptrdiff_t k, ptrdiff_t n, const double *A, ptrdiff_t ar,
                         ptrdiff_t ac, const double *B, ptrdiff_t ldb, double *C, ptrdiff_t ldc,
                         int mode);
void rnnc_gemm_strided_s(ptrdiff_t m, ptrdiff_t k, ptrdiff_t n, const float *A, ptrdiff_t ar,
                         ptrdiff_t ac, const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc,
                         int mode);
/* packed = B, (k, n) with rows ldb apart, in the panels rnnc_gemm_packed
 * reads (k * n elements; their order depends on the instruction set) */
void rnnc_pack_panels_d(ptrdiff_t k, ptrdiff_t n, const double *B, ptrdiff_t ldb, double *packed);
void rnnc_pack_panels_s(ptrdiff_t k, ptrdiff_t n, const float *B, ptrdiff_t ldb, float *packed);
/* rnnc_gemm_strided with B as rnnc_pack_panels(k, n, B, ...) left it in packed:
 * the same sums, B read as runs of memory */
void rnnc_gemm_packed_d(ptrdiff_t m, ptrdiff_t k, ptrdiff_t n, const double *A, ptrdiff_t ar,
                        ptrdiff_t ac, const double *packed, double *C, ptrdiff_t ldc, int mode);
void rnnc_gemm_packed_s(ptrdiff_t m, ptrdiff_t k, ptrdiff_t n, const float *A, ptrdiff_t ar,
                        ptrdiff_t ac, const float *packed, float *C, ptrdiff_t ldc, int mode);
/* out = sigmoid(z); out may be z */
void rnnc_sigmoid_d(ptrdiff_t n, const double *z, double *out);
void rnnc_sigmoid_s(ptrdiff_t n, const float *z, float *out);
/* h = sigmoid(z), slope = sigmoid'(z); h may be z */
void rnnc_sigmoid_slope_d(ptrdiff_t n, const double *z, double *h, double *slope);
void rnnc_sigmoid_slope_s(ptrdiff_t n, const float *z, float *h, float *slope);
/* out = tanh(z); out may be z */
void rnnc_tanh_d(ptrdiff_t n, const double *z, double *out);
void rnnc_tanh_s(ptrdiff_t n, const float *z, float *out);
/* h = tanh(z), slope = tanh'(z); h may be z */
void rnnc_tanh_slope_d(ptrdiff_t n, const double *z, double *h, double *slope);
void rnnc_tanh_slope_s(ptrdiff_t n, const float *z, float *h, float *slope);
/* x = np.clip(x, lo, hi); returns 1 if x held a NaN or infinity, else 0 */
int rnnc_clip_d(ptrdiff_t n, double *x, double lo, double hi);
int rnnc_clip_s(ptrdiff_t n, float *x, float lo, float hi);
/* y -= alpha * x; backwards: last element first (same results) */
void rnnc_sub_scaled_d(ptrdiff_t n, double alpha, const double *x, double *y, int backwards);
void rnnc_sub_scaled_s(ptrdiff_t n, float alpha, const float *x, float *y, int backwards);
/* Adam's update number t (PyTorch's form of the bias correction) of n
 * parameters p with gradient g and moments m, v, all updated in place, with
 * step_size = lr / (1 - beta1^t) and root_correction2 = sqrt(1 - beta2^t):
 * m = beta1 m + (1-beta1) g;  v = beta2 v + (1-beta2) g^2;
 * p -= step_size * m / (sqrt(v) / root_correction2 + eps), computed in double */
void rnnc_adam_d(ptrdiff_t n, double *p, const double *g, double *m, double *v, double beta1,
                 double beta2, double eps, double step_size, double root_correction2);
void rnnc_adam_s(ptrdiff_t n, float *p, const float *g, float *m, float *v, double beta1,
                 double beta2, double eps, double step_size, double root_correction2);
/* max(abs(x)); NaN if x holds one */
double rnnc_max_abs_d(ptrdiff_t n, const double *x);
float rnnc_max_abs_s(ptrdiff_t n, const float *x);

/* Starts loading the n bytes at p into the caches, where the compiler can ask
 * for it (GCC, clang; elsewhere it does nothing): for data read soon in an
 * order the hardware cannot guess, such as shuffled records. */
static inline void rnnc_prefetch(const void *p, ptrdiff_t n)
{
#if defined(__GNUC__)
    const char *bytes = (const char *)p;
    for (ptrdiff_t i = 0; i < n; i += 64)
        __builtin_prefetch(bytes + i);
    if (n > 0)
        __builtin_prefetch(bytes + n - 1);   /* the last line, when p is not on a line */
#else
    (void)p;
    (void)n;
#endif
}

/* Flush subnormal results to zero in this thread (see float_env.c); end
 * restores what begin returned. */
unsigned rnnc_flush_subnormals_begin(void);
void rnnc_flush_subnormals_end(unsigned saved);

/* 1 when the helpers were built with runtime dispatch (ifunc variants). */
int rnnc_dispatched(void);
/* The instruction set the dispatched helpers run with here (dispatch.c). */
const char *rnnc_simd_path(void);

#endif
