/* Dense linear algebra for one element type.  Included once per type by
 * linalg.c with REAL (the C type) and NAME(f) (f suffixed with _d or _s)
 * defined.  Loops run along contiguous memory so the compiler vectorises
 * them; reductions are marked `omp simd` so it may reorder the sums.
 */

/* y[i:i+4] += A[i:i+4] @ x: four rows share each load of x */
RNNC_INLINE void NAME(gemv_rows4)(ptrdiff_t i, ptrdiff_t n, const REAL *restrict A,
                                  const REAL *restrict x, REAL *restrict y)
{
    const REAL *a0 = A + i * n, *a1 = a0 + n, *a2 = a1 + n, *a3 = a2 + n;
    REAL s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    #pragma omp simd reduction(+:s0, s1, s2, s3)
    for (ptrdiff_t j = 0; j < n; j++) {
        s0 += a0[j] * x[j];
        s1 += a1[j] * x[j];
        s2 += a2[j] * x[j];
        s3 += a3[j] * x[j];
    }
    y[i] += s0; y[i + 1] += s1; y[i + 2] += s2; y[i + 3] += s3;
}

RNNC_DISPATCH
void NAME(rnnc_gemv)(ptrdiff_t m, ptrdiff_t n, const REAL *restrict A,
                     const REAL *restrict x, REAL *restrict y, int backwards)
{
    const ptrdiff_t blocks = m / 4;
    /* Row order does not change any y[i].  Called with alternating order on
     * a chain of products, the rows read last are still in L1 when the next
     * product starts, which matters when A does not fit L1. */
    if (backwards)
        for (ptrdiff_t b = blocks - 1; b >= 0; b--)
            NAME(gemv_rows4)(4 * b, n, A, x, y);
    else
        for (ptrdiff_t b = 0; b < blocks; b++)
            NAME(gemv_rows4)(4 * b, n, A, x, y);
    for (ptrdiff_t i = 4 * blocks; i < m; i++) {
        const REAL *a = A + i * n;
        REAL s = 0;
        #pragma omp simd reduction(+:s)
        for (ptrdiff_t j = 0; j < n; j++)
            s += a[j] * x[j];
        y[i] += s;
    }
}

RNNC_DISPATCH
void NAME(rnnc_gemv_t)(ptrdiff_t m, ptrdiff_t n, const REAL *restrict A,
                       const REAL *restrict x, REAL *restrict y)
{
    for (ptrdiff_t j = 0; j < n; j++)
        y[j] = 0;
    ptrdiff_t i = 0;
    /* four rows at a time: y is read and written once per four */
    for (; i + 4 <= m; i += 4) {
        const REAL *a0 = A + i * n, *a1 = a0 + n, *a2 = a1 + n, *a3 = a2 + n;
        const REAL x0 = x[i], x1 = x[i + 1], x2 = x[i + 2], x3 = x[i + 3];
        for (ptrdiff_t j = 0; j < n; j++)
            y[j] += x0 * a0[j] + x1 * a1[j] + x2 * a2[j] + x3 * a3[j];
    }
    for (; i < m; i++) {
        const REAL *a = A + i * n;
        const REAL xi = x[i];
        for (ptrdiff_t j = 0; j < n; j++)
            y[j] += xi * a[j];
    }
}

RNNC_DISPATCH
void NAME(rnnc_gemm_tn)(ptrdiff_t m, ptrdiff_t k, ptrdiff_t n, const REAL *restrict A,
                        const REAL *restrict B, REAL *restrict C)
{
    /* row i of C is sum over l of A[l, i] * B[l, :]: built in cache, written once */
    for (ptrdiff_t i = 0; i < m; i++) {
        REAL *c = C + i * n;
        for (ptrdiff_t j = 0; j < n; j++)
            c[j] = 0;
        for (ptrdiff_t l = 0; l < k; l++) {
            const REAL a = A[l * m + i];
            const REAL *b = B + l * n;
            for (ptrdiff_t j = 0; j < n; j++)
                c[j] += a * b[j];
        }
    }
}

RNNC_DISPATCH
void NAME(rnnc_ger)(ptrdiff_t m, ptrdiff_t n, const REAL *restrict x,
                    const REAL *restrict y, REAL *restrict A)
{
    for (ptrdiff_t i = 0; i < m; i++) {
        REAL *a = A + i * n;
        const REAL xi = x[i];
        for (ptrdiff_t j = 0; j < n; j++)
            a[j] += xi * y[j];
    }
}

/* C[:4, :NR] += A[:4, :] @ B[:, :NR] for one tile: the 4 x NR sums stay in
 * registers for the whole inner product, so each step of l costs 4
 * broadcasts of A, NR / (vector width) loads of B and 4 NR / width FMAs. */
RNNC_INLINE void NAME(gemm_tile)(ptrdiff_t k, const REAL *restrict A, ptrdiff_t lda,
                                 const REAL *restrict B, ptrdiff_t ldb,
                                 REAL *restrict C, ptrdiff_t ldc)
{
    REAL c0[GEMM_NR] = {0}, c1[GEMM_NR] = {0}, c2[GEMM_NR] = {0}, c3[GEMM_NR] = {0};
    for (ptrdiff_t l = 0; l < k; l++) {
        const REAL *b = B + l * ldb;
        const REAL a0 = A[l], a1 = A[lda + l], a2 = A[2 * lda + l], a3 = A[3 * lda + l];
        #pragma omp simd
        for (int c = 0; c < GEMM_NR; c++) {
            c0[c] += a0 * b[c];
            c1[c] += a1 * b[c];
            c2[c] += a2 * b[c];
            c3[c] += a3 * b[c];
        }
    }
    for (int c = 0; c < GEMM_NR; c++) {
        C[c] += c0[c];
        C[ldc + c] += c1[c];
        C[2 * ldc + c] += c2[c];
        C[3 * ldc + c] += c3[c];
    }
}

RNNC_DISPATCH
void NAME(rnnc_gemm)(ptrdiff_t m, ptrdiff_t k, ptrdiff_t n, const REAL *restrict A,
                     const REAL *restrict B, REAL *restrict C)
{
    const ptrdiff_t m_tiles = m - m % 4, n_tiles = n - n % GEMM_NR;
    for (ptrdiff_t i = 0; i < m_tiles; i += 4)
        for (ptrdiff_t j = 0; j < n_tiles; j += GEMM_NR)
            NAME(gemm_tile)(k, A + i * k, k, B + j, n, C + i * n + j, n);
    /* the rows and columns the tiles leave, one output row at a time */
    for (ptrdiff_t i = 0; i < m; i++) {
        const ptrdiff_t j0 = i < m_tiles ? n_tiles : 0;
        if (j0 == n)
            continue;
        REAL *c = C + i * n;
        for (ptrdiff_t l = 0; l < k; l++) {
            const REAL a = A[i * k + l];
            const REAL *b = B + l * n;
            for (ptrdiff_t j = j0; j < n; j++)
                c[j] += a * b[j];
        }
    }
}

RNNC_DISPATCH
int NAME(rnnc_clip)(ptrdiff_t n, REAL *restrict x, REAL lo, REAL hi)
{
    int nonfinite = 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        const REAL v = x[i];
        nonfinite |= (v - v) != 0;          /* NaN for NaN and for +-inf */
        x[i] = v < lo ? lo : (v > hi ? hi : v);
    }
    return nonfinite;
}

RNNC_DISPATCH
void NAME(rnnc_sub_scaled)(ptrdiff_t n, REAL alpha, const REAL *restrict x, REAL *restrict y)
{
    for (ptrdiff_t i = 0; i < n; i++)
        y[i] -= alpha * x[i];
}

RNNC_DISPATCH
REAL NAME(rnnc_max_abs)(ptrdiff_t n, const REAL *restrict x)
{
    REAL m = 0;
    int nan = 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        const REAL a = x[i] < 0 ? -x[i] : x[i];
        nan |= a != a;
        m = a > m ? a : m;
    }
    return nan ? (REAL)NAN : m;
}
