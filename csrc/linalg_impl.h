/* Dense linear algebra for one element type: a template, instantiated by
 * linalg.c through rnnc_instances.h with REAL (the C type), LANE_INT (an
 * integer as wide as REAL, for lane masks) and NAME(f) (f with the type's
 * suffix, and the variant's when dispatching) defined.  Loops run along
 * contiguous memory so the compiler vectorises them; reductions are marked
 * `omp simd` so it may reorder the sums.
 */

/* x * y + z in the scalar sums that must round as the vector code's: fused
 * where the variant has a multiply-add instruction (RNNC_FMA; the compiler
 * then fuses the vector code's, under -ffp-contract=fast), else rounded
 * twice, as there.  A plain x * y + z is left to the compiler, which fuses
 * it or not depending on how it vectorises the loop around it. */
#if RNNC_FMA
#define MADD(x, y, z) REAL_FMA(x, y, z)
#else
#define MADD(x, y, z) ((x) * (y) + (z))
#endif

#if RNNC_VEC_BYTES
/* Vectors are only passed between always-inline functions: no ABI to keep. */
#pragma GCC diagnostic ignored "-Wpsabi"
/* GCC's vector extension: a VEC is one register of the variant's instruction
 * set, RNNC_VEC_BYTES wide (rnnc_instances.h: 64 with AVX-512, 32 with AVX2,
 * 16 with SSE2 and NEON).  Vectors wider than a register would be split, far
 * slower than plain loops. */
typedef REAL NAME(vec) __attribute__((vector_size(RNNC_VEC_BYTES)));
typedef REAL NAME(vec_u) __attribute__((vector_size(RNNC_VEC_BYTES), aligned(sizeof(REAL))));
typedef LANE_INT NAME(ivec) __attribute__((vector_size(RNNC_VEC_BYTES)));
typedef LANE_INT NAME(ivec_u) __attribute__((vector_size(RNNC_VEC_BYTES), aligned(sizeof(LANE_INT))));
#define VEC NAME(vec)
#define VEC_U NAME(vec_u)
#define IVEC NAME(ivec)
#define IVEC_U NAME(ivec_u)
#define LANES ((ptrdiff_t)(RNNC_VEC_BYTES / sizeof(REAL)))
#define LOG2_LANES (LANES == 16 ? 4 : LANES == 8 ? 3 : LANES == 4 ? 2 : 1)
/* rows of a gemv block: at least 8, so that 8 independent sums are in flight
 * (two multiply-add units of 4 cycles' latency) with narrow vectors too */
#define GEMV_ROWS (LANES < 8 ? 8 : LANES)
/* vectors of sums per gemv_cols tile: two multiply-add units of 4 cycles'
 * latency need 8 chains in flight */
#define GEMV_COLS_TILE 8

/* Lanes of a and b summed pairwise into one vector: if lanes [k s, (k+1) s)
 * of the concatenation (a, b) hold partial sums of one row for each even k,
 * and lanes [(k+1) s, (k+2) s) more of that row, the result holds each row's
 * partials in s lanes, rows in the same order.  Folding LANES rows, s = LANES/2
 * down to 1, leaves row r's sum in lane r. */
RNNC_INLINE VEC NAME(fold)(VEC a, VEC b, const int s)
{
    IVEC first, second;
    for (int o = 0; o < LANES; o++) {
        first[o] = (o / s) * 2 * s + o % s;
        second[o] = first[o] + s;
    }
    return __builtin_shuffle(a, b, first) + __builtin_shuffle(a, b, second);
}

/* lanes of A[i, j:j+LANES] * x[j:j+LANES] summed into acc[r] for the rows
 * i = i0 + r, r < rows, over the whole row: whole vectors, then the last LANES
 * elements with the lanes already counted zeroed by keep_tail.  The rows share
 * each load of x, and their sums are independent chains. */
RNNC_INLINE void NAME(dot_rows)(VEC *acc, const int rows, ptrdiff_t i0, ptrdiff_t n,
                                const REAL *restrict A, ptrdiff_t lda, const REAL *restrict x,
                                VEC x_tail, IVEC keep_tail)
{
    #pragma GCC unroll 16
    for (int r = 0; r < rows; r++)
        acc[r] = (VEC){0};
    ptrdiff_t j = 0;
    for (; j + LANES <= n; j += LANES) {
        const VEC xj = *(const VEC_U *)(x + j);
        #pragma GCC unroll 16
        for (int r = 0; r < rows; r++)
            acc[r] += *(const VEC_U *)(A + (i0 + r) * lda + j) * xj;
    }
    if (j < n)
        #pragma GCC unroll 16
        for (int r = 0; r < rows; r++)
            /* the products masked as bits, so that lanes counted before add
             * exactly nothing, whatever they hold (inf * 0 would be NaN) */
            acc[r] += (VEC)((IVEC)(*(const VEC_U *)(A + (i0 + r) * lda + n - LANES) * x_tail)
                            & keep_tail);
}

/* y[i:i+rows] += A[i:i+rows] @ x, rows a multiple of LANES: one fold tree
 * leaves the sums of LANES rows in each of rows / LANES vectors */
RNNC_INLINE void NAME(gemv_block)(const int rows, ptrdiff_t i, ptrdiff_t n,
                                  const REAL *restrict A, ptrdiff_t lda, const REAL *restrict x,
                                  REAL *restrict y, VEC x_tail, IVEC keep_tail)
{
    VEC acc[GEMV_ROWS];
    NAME(dot_rows)(acc, rows, i, n, A, lda, x, x_tail, keep_tail);
    #pragma GCC unroll 4
    for (int level = 1; level <= LOG2_LANES; level++)
        #pragma GCC unroll 16
        for (int r = 0; r < rows >> level; r++)
            acc[r] = NAME(fold)(acc[2 * r], acc[2 * r + 1], LANES >> level);
    #pragma GCC unroll 16
    for (int g = 0; g < rows / LANES; g++)
        *(VEC_U *)(y + i + g * LANES) += acc[g];
}

/* y[i:i+rows] += A[i:i+rows] @ x for rows < LANES, a power of two: the fold
 * tree of gemv_block, whose last levels fold the one vector left with itself
 * (each row's lanes are paired as in gemv_block, and for one row as in a
 * plain horizontal sum: the same sums to the bit), leaving row r's sum in
 * lane r.  The rows' dot products are independent chains, where rows taken
 * one at a time each waited on its own. */
RNNC_INLINE void NAME(gemv_few)(const int rows, ptrdiff_t i, ptrdiff_t n,
                                const REAL *restrict A, ptrdiff_t lda, const REAL *restrict x,
                                REAL *restrict y, VEC x_tail, IVEC keep_tail)
{
    VEC acc[LANES];
    NAME(dot_rows)(acc, rows, i, n, A, lda, x, x_tail, keep_tail);
    #pragma GCC unroll 4
    for (int level = 1; level <= LOG2_LANES; level++) {
        if (rows >> level == 0)
            acc[0] = NAME(fold)(acc[0], acc[0], LANES >> level);
        else
            #pragma GCC unroll 16
            for (int r = 0; r < rows >> level; r++)
                acc[r] = NAME(fold)(acc[2 * r], acc[2 * r + 1], LANES >> level);
    }
    #pragma GCC unroll 16
    for (int r = 0; r < rows; r++)
        y[i + r] += acc[0][r];
}

/* y += A @ x along vectors of the rows (n >= LANES): GEMV_ROWS rows per fold
 * tree, then LANES rows, then the last fewer than LANES rows in blocks of
 * LANES/2, ..., 2 and 1 rows */
RNNC_INLINE void NAME(gemv_vec)(ptrdiff_t m, ptrdiff_t n, const REAL *restrict A,
                                ptrdiff_t lda, const REAL *restrict x, REAL *restrict y,
                                int backwards)
{
    /* the tail: the last LANES elements, of which n % LANES are new */
    const VEC x_tail = *(const VEC_U *)(x + n - LANES);
    /* the last n % LANES lanes set: LANES entries of a table of zeros then ones
     * (one load, where a loop over the lanes cost hidden 10 a tenth of its gemv) */
    static const LANE_INT ones_after[32] = {[16 ... 31] = -1};
    const IVEC keep_tail = *(const IVEC_U *)(ones_after + 16 - LANES + n % LANES);
    const ptrdiff_t blocks = m / GEMV_ROWS;
    for (ptrdiff_t b = 0; b < blocks; b++)
        NAME(gemv_block)(GEMV_ROWS, (backwards ? blocks - 1 - b : b) * GEMV_ROWS, n, A, lda,
                         x, y, x_tail, keep_tail);
    ptrdiff_t i = blocks * GEMV_ROWS;
    for (; GEMV_ROWS > LANES && i + LANES <= m; i += LANES)
        NAME(gemv_block)(LANES, i, n, A, lda, x, y, x_tail, keep_tail);
    /* m - i < LANES rows left */
    #pragma GCC unroll 4
    for (int rows = LANES / 2; rows >= 1; rows /= 2)
        if (m - i >= rows) {
            NAME(gemv_few)(rows, i, n, A, lda, x, y, x_tail, keep_tail);
            i += rows;
        }
}
#endif

/* y[i:i+4] += A[i:i+4] @ x: four rows share each load of x */
RNNC_INLINE void NAME(gemv_rows4)(ptrdiff_t i, ptrdiff_t n, const REAL *restrict A,
                                  ptrdiff_t lda, const REAL *restrict x, REAL *restrict y)
{
    const REAL *a0 = A + i * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
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

#if RNNC_DISPATCHED && RNNC_VEC_BYTES == 64
/* the AVX2 variant's gemv, defined by the next instance of this template */
static void RNNC_PASTE(RNNC_PASTE(rnnc_gemv, SUFFIX), _v3)(ptrdiff_t m, ptrdiff_t n,
                                                            const REAL *restrict A,
                                                            ptrdiff_t lda,
                                                            const REAL *restrict x,
                                                            REAL *restrict y, int backwards);
#endif

RNNC_API
void NAME(rnnc_gemv)(ptrdiff_t m, ptrdiff_t n, const REAL *restrict A, ptrdiff_t lda,
                     const REAL *restrict x, REAL *restrict y, int backwards)
{
    /* Row order does not change any y[i].  Called with alternating order on
     * a chain of products, the rows read last are still in L1 when the next
     * product starts, which matters when A does not fit L1. */
#if RNNC_DISPATCHED && RNNC_VEC_BYTES == 64
    /* rows of at most two ZMM (hidden 16 in float64, 32 in float32): the
     * AVX2 variant's, whose fold tree is one level shorter; at such sizes
     * each step waits on its sums, and so on the tree's depth */
    if (n * (ptrdiff_t)sizeof(REAL) <= 128) {
        RNNC_PASTE(RNNC_PASTE(rnnc_gemv, SUFFIX), _v3)(m, n, A, lda, x, y, backwards);
        return;
    }
#endif
#if RNNC_VEC_BYTES
    if (n >= LANES) {
        NAME(gemv_vec)(m, n, A, lda, x, y, backwards);
        return;
    }
#endif
    /* short rows: plain sums, as a vectorised reduction costs more than it
     * saves there */
    const ptrdiff_t blocks = n < 16 ? 0 : m / 4;
    for (ptrdiff_t b = 0; b < blocks; b++)
        NAME(gemv_rows4)((backwards ? blocks - 1 - b : b) * 4, n, A, lda, x, y);
    for (ptrdiff_t i = 4 * blocks; i < m; i++) {
        const REAL *a = A + i * lda;
        REAL s = 0;
        for (ptrdiff_t j = 0; j < n; j++)
            s += a[j] * x[j];
        y[i] += s;
    }
}

/* y += x[i:i+4] @ A[i:i+4]: y is read and written once per four rows */
RNNC_INLINE void NAME(gemv_t_rows4)(ptrdiff_t i, ptrdiff_t n, const REAL *restrict A,
                                    ptrdiff_t lda, const REAL *restrict x, REAL *restrict y)
{
    const REAL *a0 = A + i * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
    const REAL x0 = x[i], x1 = x[i + 1], x2 = x[i + 2], x3 = x[i + 3];
    for (ptrdiff_t j = 0; j < n; j++)
        y[j] += x0 * a0[j] + x1 * a1[j] + x2 * a2[j] + x3 * a3[j];
}

RNNC_API
void NAME(rnnc_gemv_t)(ptrdiff_t m, ptrdiff_t n, const REAL *restrict A, ptrdiff_t lda,
                       const REAL *restrict x, REAL *restrict y, int backwards)
{
    const ptrdiff_t groups = m / 4;
    for (ptrdiff_t j = 0; j < n; j++)
        y[j] = 0;
    /* rows in either order, as for gemv (the sums' order follows) */
    for (ptrdiff_t b = 0; b < groups; b++)
        NAME(gemv_t_rows4)((backwards ? groups - 1 - b : b) * 4, n, A, lda, x, y);
    for (ptrdiff_t i = 4 * groups; i < m; i++) {
        const REAL *a = A + i * lda;
        const REAL xi = x[i];
        for (ptrdiff_t j = 0; j < n; j++)
            y[j] += xi * a[j];
    }
}

/* out[r][j - j0] = sum over l of A[l, i + r] * B[l, j] for j0 <= j < j1 and
 * r < rows (1 or 4): each piece of a row is summed in a register over all l
 * (k is short: the steps of a truncation window) and written once, and four
 * rows share each load of B */
RNNC_INLINE void NAME(gemm_tn_rows)(ptrdiff_t i, const int rows, ptrdiff_t k,
                                    ptrdiff_t j0, ptrdiff_t j1,
                                    const REAL *restrict A, ptrdiff_t lda,
                                    const REAL *restrict B, ptrdiff_t ldb,
                                    REAL *restrict out, ptrdiff_t ldo)
{
    ptrdiff_t j = j0;
#if RNNC_VEC_BYTES
    for (; j + LANES <= j1; j += LANES) {
        VEC acc0 = {0}, acc1 = {0}, acc2 = {0}, acc3 = {0};
        for (ptrdiff_t l = 0; l < k; l++) {
            const VEC b = *(const VEC_U *)(B + l * ldb + j);
            const REAL *a = A + l * lda + i;
            acc0 += a[0] * b;
            if (rows == 4) {
                acc1 += a[1] * b;
                acc2 += a[2] * b;
                acc3 += a[3] * b;
            }
        }
        *(VEC_U *)(out + j - j0) = acc0;
        if (rows == 4) {
            *(VEC_U *)(out + ldo + j - j0) = acc1;
            *(VEC_U *)(out + 2 * ldo + j - j0) = acc2;
            *(VEC_U *)(out + 3 * ldo + j - j0) = acc3;
        }
    }
#endif
    /* the rest (all of it without vectors), each sum held in a register
     * over l: summed in place in memory, every step waited on the store
     * before it (the tail of hidden 100 took a third of the fused update) */
    for (int r = 0; r < rows; r++) {
        REAL *o = out + r * ldo - j0;
        for (ptrdiff_t c = j; c < j1; c++) {
            REAL sum = 0;
            for (ptrdiff_t l = 0; l < k; l++)
                sum += A[l * lda + i + r] * B[l * ldb + c];
            o[c] = sum;
        }
    }
}

RNNC_API
void NAME(rnnc_gemm_tn)(ptrdiff_t m, ptrdiff_t k, ptrdiff_t n, const REAL *restrict A,
                        ptrdiff_t lda, const REAL *restrict B, ptrdiff_t ldb,
                        REAL *restrict C)
{
    ptrdiff_t i = 0;
    for (; i + 4 <= m; i += 4)
        NAME(gemm_tn_rows)(i, 4, k, 0, n, A, lda, B, ldb, C + i * n, n);
    for (; i < m; i++)
        NAME(gemm_tn_rows)(i, 1, k, 0, n, A, lda, B, ldb, C + i * n, n);
}

/* columns of the gradient's rows held at once by the fused update */
#define TN_CHUNK 128

/* C[i:i+rows] -= alpha * clip(rows i.. of A.T @ B), a piece at a time */
RNNC_INLINE void NAME(clip_sub_rows)(ptrdiff_t i, const int rows, ptrdiff_t k, ptrdiff_t n,
                                     const REAL *restrict A, ptrdiff_t lda,
                                     const REAL *restrict B, ptrdiff_t ldb, REAL lo, REAL hi,
                                     REAL alpha, REAL *restrict C, ptrdiff_t ldc)
{
    REAL g[4 * TN_CHUNK];
    for (ptrdiff_t j0 = 0; j0 < n; j0 += TN_CHUNK) {
        const ptrdiff_t j1 = n - j0 < TN_CHUNK ? n : j0 + TN_CHUNK;
        NAME(gemm_tn_rows)(i, rows, k, j0, j1, A, lda, B, ldb, g, TN_CHUNK);
        for (int r = 0; r < rows; r++) {
            REAL *c = C + (i + r) * ldc;
            for (ptrdiff_t j = j0; j < j1; j++) {
                const REAL v = g[r * TN_CHUNK + j - j0];
                c[j] -= alpha * (v < lo ? lo : (v > hi ? hi : v));
            }
        }
    }
}

#if RNNC_VEC_BYTES
/* c -= alpha * clip(s) for one VEC of a row, the product rounded as in
 * clip_sub_rows */
RNNC_INLINE void NAME(clip_sub_vec)(REAL *restrict c, VEC s, REAL lo, REAL hi, REAL alpha)
{
    /* lo - 0 keeps a bound of -0.0 (0 + lo would not) */
    const VEC vlo = lo - (VEC){0}, vhi = hi - (VEC){0};
    const IVEC below = s < vlo, above = s > vhi;   /* lanes of all ones where true */
    /* chosen in the scalar's order: lo, else hi, else s */
    const VEC clipped = (VEC)((below & (IVEC)vlo) |
                              (~below & ((above & (IVEC)vhi) | (~above & (IVEC)s))));
    *(VEC_U *)c -= alpha * clipped;
}

/* C[i:i+4, j:j+nv LANES] -= alpha * clip(the same block of A.T @ B): the
 * block's sums held in registers over all of l, as in gemm_tile_vec (each
 * step of l: 4 broadcasts of A, nv loads of B, 4 nv multiply-adds), then
 * clipped and applied with no trip through memory */
RNNC_INLINE void NAME(clip_sub_tile)(ptrdiff_t i, ptrdiff_t j, ptrdiff_t k,
                                     const REAL *restrict A, ptrdiff_t lda,
                                     const REAL *restrict B, ptrdiff_t ldb, REAL lo, REAL hi,
                                     REAL alpha, REAL *restrict C, ptrdiff_t ldc, const int nv)
{
    VEC c00 = {0}, c10 = {0}, c20 = {0}, c30 = {0}, c01 = {0}, c11 = {0}, c21 = {0}, c31 = {0};
    for (ptrdiff_t l = 0; l < k; l++) {
        const VEC b0 = *(const VEC_U *)(B + l * ldb + j);
        const REAL *a = A + l * lda + i;
        const REAL a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
        c00 += a0 * b0; c10 += a1 * b0; c20 += a2 * b0; c30 += a3 * b0;
        if (nv == 2) {
            const VEC b1 = *(const VEC_U *)(B + l * ldb + j + LANES);
            c01 += a0 * b1; c11 += a1 * b1; c21 += a2 * b1; c31 += a3 * b1;
        }
    }
    REAL *c = C + i * ldc + j;
    NAME(clip_sub_vec)(c, c00, lo, hi, alpha);
    NAME(clip_sub_vec)(c + ldc, c10, lo, hi, alpha);
    NAME(clip_sub_vec)(c + 2 * ldc, c20, lo, hi, alpha);
    NAME(clip_sub_vec)(c + 3 * ldc, c30, lo, hi, alpha);
    if (nv == 2) {
        NAME(clip_sub_vec)(c + LANES, c01, lo, hi, alpha);
        NAME(clip_sub_vec)(c + ldc + LANES, c11, lo, hi, alpha);
        NAME(clip_sub_vec)(c + 2 * ldc + LANES, c21, lo, hi, alpha);
        NAME(clip_sub_vec)(c + 3 * ldc + LANES, c31, lo, hi, alpha);
    }
}
#endif

RNNC_API
void NAME(rnnc_gemm_tn_clip_sub)(ptrdiff_t m, ptrdiff_t k, ptrdiff_t n, const REAL *restrict A,
                                 ptrdiff_t lda, const REAL *restrict B, ptrdiff_t ldb,
                                 REAL lo, REAL hi, REAL alpha, REAL *restrict C, ptrdiff_t ldc,
                                 int backwards)
{
    /* C -= alpha * clip(A.T @ B) without writing the product out: C is read
     * and written once; row groups last to first when backwards.  Each
     * element's sum runs over l in order, whichever path takes it. */
    const ptrdiff_t groups = m / 4;
    for (ptrdiff_t b = 0; b < groups; b++) {
        const ptrdiff_t i = (backwards ? groups - 1 - b : b) * 4;
        ptrdiff_t j = 0;
#if RNNC_VEC_BYTES
        for (; j + 2 * LANES <= n; j += 2 * LANES)
            NAME(clip_sub_tile)(i, j, k, A, lda, B, ldb, lo, hi, alpha, C, ldc, 2);
        for (; j + LANES <= n; j += LANES)
            NAME(clip_sub_tile)(i, j, k, A, lda, B, ldb, lo, hi, alpha, C, ldc, 1);
#endif
        /* the columns past the last whole VEC (all of them without vectors) */
        NAME(clip_sub_rows)(i, 4, k, n - j, A, lda, B + j, ldb, lo, hi, alpha, C + j, ldc);
    }
    for (ptrdiff_t i = 4 * groups; i < m; i++)
        NAME(clip_sub_rows)(i, 1, k, n, A, lda, B, ldb, lo, hi, alpha, C, ldc);
}
#undef TN_CHUNK

RNNC_API
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

#if RNNC_VEC_BYTES
/* gemm's register tiles: 4 rows by nv (1 or 2) VECs of C, held in registers
 * for the whole inner product: each step of l costs 4 broadcasts of A, nv
 * loads of B and 4 nv multiply-adds.  Spelled out as named variables, not an
 * array, so the compiler cannot leave the sums in memory. */
RNNC_INLINE void NAME(gemm_tile_vec)(ptrdiff_t k, const REAL *restrict A, ptrdiff_t lda,
                                      const REAL *restrict B, ptrdiff_t ldb,
                                      REAL *restrict C, ptrdiff_t ldc, const int nv)
{
    VEC c00 = {0}, c10 = {0}, c20 = {0}, c30 = {0}, c01 = {0}, c11 = {0}, c21 = {0}, c31 = {0};
    for (ptrdiff_t l = 0; l < k; l++) {
        const VEC b0 = *(const VEC_U *)(B + l * ldb);
        const REAL a0 = A[l], a1 = A[lda + l], a2 = A[2 * lda + l], a3 = A[3 * lda + l];
        c00 += a0 * b0; c10 += a1 * b0; c20 += a2 * b0; c30 += a3 * b0;
        if (nv == 2) {
            const VEC b1 = *(const VEC_U *)(B + l * ldb + LANES);
            c01 += a0 * b1; c11 += a1 * b1; c21 += a2 * b1; c31 += a3 * b1;
        }
    }
    *(VEC_U *)C += c00;
    *(VEC_U *)(C + ldc) += c10;
    *(VEC_U *)(C + 2 * ldc) += c20;
    *(VEC_U *)(C + 3 * ldc) += c30;
    if (nv == 2) {
        *(VEC_U *)(C + LANES) += c01;
        *(VEC_U *)(C + ldc + LANES) += c11;
        *(VEC_U *)(C + 2 * ldc + LANES) += c21;
        *(VEC_U *)(C + 3 * ldc + LANES) += c31;
    }
}
#endif

/* The same 4 x 16 tile in plain loops, for targets without vectors:
 * there the compiler keeps these sums in registers (AVX2 has sixteen). */
#define PLAIN_NR 16
RNNC_INLINE void NAME(gemm_tile_plain)(ptrdiff_t k, const REAL *restrict A, ptrdiff_t lda,
                                       const REAL *restrict B, ptrdiff_t ldb,
                                       REAL *restrict C, ptrdiff_t ldc)
{
    REAL c0[PLAIN_NR] = {0}, c1[PLAIN_NR] = {0}, c2[PLAIN_NR] = {0}, c3[PLAIN_NR] = {0};
    for (ptrdiff_t l = 0; l < k; l++) {
        const REAL *b = B + l * ldb;
        const REAL a0 = A[l], a1 = A[lda + l], a2 = A[2 * lda + l], a3 = A[3 * lda + l];
        #pragma omp simd
        for (int c = 0; c < PLAIN_NR; c++) {
            c0[c] += a0 * b[c];
            c1[c] += a1 * b[c];
            c2[c] += a2 * b[c];
            c3[c] += a3 * b[c];
        }
    }
    for (int c = 0; c < PLAIN_NR; c++) {
        C[c] += c0[c];
        C[ldc + c] += c1[c];
        C[2 * ldc + c] += c2[c];
        C[3 * ldc + c] += c3[c];
    }
}

RNNC_API
void NAME(rnnc_gemm)(ptrdiff_t m, ptrdiff_t k, ptrdiff_t n, const REAL *restrict A,
                     const REAL *restrict B, REAL *restrict C)
{
    const ptrdiff_t m_tiles = m - m % 4;
    ptrdiff_t n_tiles = 0;                  /* columns the tiles cover */
    for (ptrdiff_t i = 0; i < m_tiles; i += 4) {
        ptrdiff_t j = 0;
#if RNNC_VEC_BYTES
        for (; j + 2 * LANES <= n; j += 2 * LANES)
            NAME(gemm_tile_vec)(k, A + i * k, k, B + j, n, C + i * n + j, n, 2);
        for (; j + LANES <= n; j += LANES)
            NAME(gemm_tile_vec)(k, A + i * k, k, B + j, n, C + i * n + j, n, 1);
#endif
        for (; j + PLAIN_NR <= n; j += PLAIN_NR)
            NAME(gemm_tile_plain)(k, A + i * k, k, B + j, n, C + i * n + j, n);
        n_tiles = j;
    }
#if RNNC_VEC_BYTES
    /* the rows the tiles leave, one at a time over the tiles' columns, with
     * the tiles' vector sums */
    if (m_tiles == 0)
        n_tiles = n - n % LANES;
    for (ptrdiff_t i = m_tiles; i < m; i++)
        for (ptrdiff_t j = 0; j < n_tiles; j += LANES) {
            VEC acc = {0};
            for (ptrdiff_t l = 0; l < k; l++)
                acc += A[i * k + l] * *(const VEC_U *)(B + l * n + j);
            *(VEC_U *)(C + i * n + j) += acc;
        }
    const ptrdiff_t rows_done = m;
#else
    const ptrdiff_t rows_done = m_tiles;
#endif
    /* the columns the tiles leave (and, in plain builds, the rows), a row's
     * run of up to REST_NC columns at a time, summed as the tiles sum theirs:
     * from zero, over l in order, then added to C */
    enum { REST_NC = 64 };
    for (ptrdiff_t i = 0; i < m; i++)
        for (ptrdiff_t j0 = i < rows_done ? n_tiles : 0; j0 < n; j0 += REST_NC) {
            const ptrdiff_t width = n - j0 < REST_NC ? n - j0 : REST_NC;
            REAL s[REST_NC] = {0};
            for (ptrdiff_t l = 0; l < k; l++) {
                const REAL a = A[i * k + l];
                const REAL *b = B + l * n + j0;
                for (ptrdiff_t j = 0; j < width; j++)
                    s[j] = MADD(a, b[j], s[j]);
            }
            for (ptrdiff_t j = 0; j < width; j++)
                C[i * n + j0 + j] += s[j];
        }
}
#undef PLAIN_NR

#if RNNC_VEC_BYTES
/* y[i:i+nv LANES] += their sums in gemv_cols: nv vectors of sums held in
 * registers over all of l (one load of AT and one multiply-add per vector
 * and step), independent chains enough to keep both multiply-add units busy */
RNNC_INLINE void NAME(gemv_cols_tile)(ptrdiff_t i, ptrdiff_t k, const REAL *restrict AT,
                                      ptrdiff_t ldat, const REAL *restrict x,
                                      REAL *restrict y, const int nv)
{
    VEC acc[GEMV_COLS_TILE];
    #pragma GCC unroll 8
    for (int v = 0; v < nv; v++)
        acc[v] = (VEC){0};
    for (ptrdiff_t l = 0; l < k; l++) {
        const REAL xl = x[l];
        #pragma GCC unroll 8
        for (int v = 0; v < nv; v++)
            acc[v] += *(const VEC_U *)(AT + l * ldat + i + v * LANES) * xl;
    }
    #pragma GCC unroll 8
    for (int v = 0; v < nv; v++)
        *(VEC_U *)(y + i + v * LANES) += acc[v];
}
#endif

RNNC_API
void NAME(rnnc_gemv_cols)(ptrdiff_t m, ptrdiff_t k, const REAL *restrict AT, ptrdiff_t ldat,
                          const REAL *restrict x, REAL *restrict y)
{
    /* each y[i]'s sum runs over l in order from zero and is added once, as
     * rnnc_gemm sums every element of C: one column of a gemm, to the bit,
     * without a block's other columns.  A.T's rows make the sums of
     * neighbouring rows of A neighbouring lanes. */
    ptrdiff_t i = 0;
#if RNNC_VEC_BYTES
    for (; i + GEMV_COLS_TILE * LANES <= m; i += GEMV_COLS_TILE * LANES)
        NAME(gemv_cols_tile)(i, k, AT, ldat, x, y, GEMV_COLS_TILE);
    for (; i + LANES <= m; i += LANES)
        NAME(gemv_cols_tile)(i, k, AT, ldat, x, y, 1);
#endif
    /* the last rows (fewer than a tile's), their sums side by side: one
     * row's sums wait on each other, k multiply-adds in a row */
    while (i < m) {
        enum { ROWS = 16 };
        const ptrdiff_t rows = m - i < ROWS ? m - i : ROWS;
        REAL s[ROWS] = {0};
        for (ptrdiff_t l = 0; l < k; l++)
            for (ptrdiff_t r = 0; r < rows; r++)
                s[r] = MADD(AT[l * ldat + i + r], x[l], s[r]);
        for (ptrdiff_t r = 0; r < rows; r++)
            y[i + r] += s[r];
        i += rows;
    }
}

/* gemm_strided's tiles: the sum s of a piece of A @ B put into C as mode says */
RNNC_INLINE void NAME(put)(REAL *restrict c, REAL s, int mode)
{
    if (mode == RNNC_SET)
        *c = s;
    else if (mode == RNNC_ADD)
        *c += s;
    else
        *c *= s;
}

#if RNNC_VEC_BYTES
RNNC_INLINE void NAME(put_vec)(REAL *restrict c, VEC s, int mode)
{
    if (mode == RNNC_SET)
        *(VEC_U *)c = s;
    else if (mode == RNNC_ADD)
        *(VEC_U *)c += s;
    else
        *(VEC_U *)c *= s;
}

/* rows (1 or 4) of A by nv (1 or 2) VECs of B, the sums held in registers
 * over all of k as in gemm_tile_vec; A[i, l] is A[i * ar + l * ac], so one
 * tile serves A and A.T */
RNNC_INLINE void NAME(strided_tile_vec)(const int rows, const int nv, ptrdiff_t k,
                                         const REAL *restrict A, ptrdiff_t ar, ptrdiff_t ac,
                                         const REAL *restrict B, ptrdiff_t ldb,
                                         REAL *restrict C, ptrdiff_t ldc, int mode)
{
    VEC c00 = {0}, c10 = {0}, c20 = {0}, c30 = {0}, c01 = {0}, c11 = {0}, c21 = {0}, c31 = {0};
    const REAL *a = A;
    for (ptrdiff_t l = 0; l < k; l++, a += ac) {
        const VEC b0 = *(const VEC_U *)(B + l * ldb);
        const REAL a0 = a[0];
        c00 += a0 * b0;
        if (rows == 4) {
            const REAL a1 = a[ar], a2 = a[2 * ar], a3 = a[3 * ar];
            c10 += a1 * b0; c20 += a2 * b0; c30 += a3 * b0;
            if (nv == 2) {
                const VEC b1 = *(const VEC_U *)(B + l * ldb + LANES);
                c01 += a0 * b1; c11 += a1 * b1; c21 += a2 * b1; c31 += a3 * b1;
            }
        } else if (nv == 2) {
            c01 += a0 * *(const VEC_U *)(B + l * ldb + LANES);
        }
    }
    NAME(put_vec)(C, c00, mode);
    if (nv == 2)
        NAME(put_vec)(C + LANES, c01, mode);
    if (rows == 4) {
        NAME(put_vec)(C + ldc, c10, mode);
        NAME(put_vec)(C + 2 * ldc, c20, mode);
        NAME(put_vec)(C + 3 * ldc, c30, mode);
        if (nv == 2) {
            NAME(put_vec)(C + ldc + LANES, c11, mode);
            NAME(put_vec)(C + 2 * ldc + LANES, c21, mode);
            NAME(put_vec)(C + 3 * ldc + LANES, c31, mode);
        }
    }
}
#endif

/* columns of one row summed at once where the tiles do not reach */
#define REST_NR 16

/* C[0, :w] (mode)= A[0, :] @ B[:, :w] for one row of A (elements ac apart),
 * REST_NR columns at a time, each sum in a register over all of k */
RNNC_INLINE void NAME(strided_row)(ptrdiff_t k, ptrdiff_t w, const REAL *restrict a,
                                   ptrdiff_t ac, const REAL *restrict B, ptrdiff_t ldb,
                                   REAL *restrict c, int mode)
{
    ptrdiff_t j = 0;
    for (; j + REST_NR <= w; j += REST_NR) {
        REAL s[REST_NR] = {0};
        for (ptrdiff_t l = 0; l < k; l++) {
            const REAL al = a[l * ac];
            const REAL *b = B + l * ldb + j;
            #pragma omp simd
            for (int q = 0; q < REST_NR; q++)
                s[q] += al * b[q];
        }
        for (int q = 0; q < REST_NR; q++)
            NAME(put)(c + j + q, s[q], mode);
    }
    if (j < w) {
        REAL s[REST_NR] = {0};
        const int left = (int)(w - j);
        for (ptrdiff_t l = 0; l < k; l++) {
            const REAL al = a[l * ac];
            const REAL *b = B + l * ldb + j;
            for (int q = 0; q < left; q++)
                s[q] += al * b[q];
        }
        for (int q = 0; q < left; q++)
            NAME(put)(c + j + q, s[q], mode);
    }
}
#undef REST_NR

RNNC_API
void NAME(rnnc_gemm_strided)(ptrdiff_t m, ptrdiff_t k, ptrdiff_t n, const REAL *restrict A,
                             ptrdiff_t ar, ptrdiff_t ac, const REAL *restrict B, ptrdiff_t ldb,
                             REAL *restrict C, ptrdiff_t ldc, int mode)
{
    /* every element of C is one sum over l, from 0 up, put into C once.
     * Columns of tiles outside, rows inside: a panel of B (k rows of a tile's
     * width) is read from L2 once and then by all of A's rows from L1, where
     * rows outside would read all of B again for each 4 rows of A. */
    const ptrdiff_t m4 = m - m % 4;
    ptrdiff_t j = 0;
#if RNNC_VEC_BYTES
    for (; j + 2 * LANES <= n; j += 2 * LANES) {
        for (ptrdiff_t i = 0; i < m4; i += 4)
            NAME(strided_tile_vec)(4, 2, k, A + i * ar, ar, ac, B + j, ldb, C + i * ldc + j, ldc,
                                   mode);
        for (ptrdiff_t i = m4; i < m; i++)
            NAME(strided_tile_vec)(1, 2, k, A + i * ar, ar, ac, B + j, ldb, C + i * ldc + j, ldc,
                                   mode);
    }
    for (; j + LANES <= n; j += LANES) {
        for (ptrdiff_t i = 0; i < m4; i += 4)
            NAME(strided_tile_vec)(4, 1, k, A + i * ar, ar, ac, B + j, ldb, C + i * ldc + j, ldc,
                                   mode);
        for (ptrdiff_t i = m4; i < m; i++)
            NAME(strided_tile_vec)(1, 1, k, A + i * ar, ar, ac, B + j, ldb, C + i * ldc + j, ldc,
                                   mode);
    }
#endif
    if (j < n)
        for (ptrdiff_t i = 0; i < m; i++)
            NAME(strided_row)(k, n - j, A + i * ar, ac, B + j, ldb, C + i * ldc + j, mode);
}

/* Panels of B for rnnc_gemm_packed: PANEL columns (two vectors: a tile's
 * width) of all k rows, one after the other, so that a tile reads its part of
 * B as one run of memory, whatever B's row length (rows of 2048 bytes put a
 * column of B into one set of the cache); the last panel holds the columns
 * left, n % PANEL wide. */
#if RNNC_VEC_BYTES
#define PANEL (2 * LANES)
#else
#define PANEL 16
#endif

RNNC_API
void NAME(rnnc_pack_panels)(ptrdiff_t k, ptrdiff_t n, const REAL *restrict B, ptrdiff_t ldb,
                            REAL *restrict packed)
{
    for (ptrdiff_t j0 = 0; j0 < n; j0 += PANEL) {
        const ptrdiff_t w = n - j0 < PANEL ? n - j0 : PANEL;
        REAL *p = packed + j0 * k;
        for (ptrdiff_t l = 0; l < k; l++)
            for (ptrdiff_t q = 0; q < w; q++)
                p[l * w + q] = B[l * ldb + j0 + q];
    }
}

RNNC_API
void NAME(rnnc_gemm_packed)(ptrdiff_t m, ptrdiff_t k, ptrdiff_t n, const REAL *restrict A,
                            ptrdiff_t ar, ptrdiff_t ac, const REAL *restrict packed,
                            REAL *restrict C, ptrdiff_t ldc, int mode)
{
    /* rnnc_gemm_strided's sums, B read from its panels: a panel at a time,
     * all rows of A on each */
    const ptrdiff_t m4 = m - m % 4;
    for (ptrdiff_t j0 = 0; j0 < n; j0 += PANEL) {
        const ptrdiff_t w = n - j0 < PANEL ? n - j0 : PANEL;
        const REAL *B = packed + j0 * k;
        REAL *c = C + j0;
        ptrdiff_t j = 0;
#if RNNC_VEC_BYTES
        if (w == PANEL) {
            for (ptrdiff_t i = 0; i < m4; i += 4)
                NAME(strided_tile_vec)(4, 2, k, A + i * ar, ar, ac, B, w, c + i * ldc, ldc, mode);
            for (ptrdiff_t i = m4; i < m; i++)
                NAME(strided_tile_vec)(1, 2, k, A + i * ar, ar, ac, B, w, c + i * ldc, ldc, mode);
            continue;
        }
        if (w >= LANES) {
            for (ptrdiff_t i = 0; i < m4; i += 4)
                NAME(strided_tile_vec)(4, 1, k, A + i * ar, ar, ac, B, w, c + i * ldc, ldc, mode);
            for (ptrdiff_t i = m4; i < m; i++)
                NAME(strided_tile_vec)(1, 1, k, A + i * ar, ar, ac, B, w, c + i * ldc, ldc, mode);
            j = LANES;
        }
#endif
        if (j < w)
            for (ptrdiff_t i = 0; i < m; i++)
                NAME(strided_row)(k, w - j, A + i * ar, ac, B + j, w, c + i * ldc + j, mode);
    }
}
#undef PANEL

RNNC_API
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

RNNC_API
void NAME(rnnc_sub_scaled)(ptrdiff_t n, REAL alpha, const REAL *restrict x, REAL *restrict y,
                           int backwards)
{
    if (backwards)
        for (ptrdiff_t i = n - 1; i >= 0; i--)
            y[i] -= alpha * x[i];
    else
        for (ptrdiff_t i = 0; i < n; i++)
            y[i] -= alpha * x[i];
}

/* Adam's update (rnnc.h): a plain loop, which the compiler vectorises, square
 * roots and divisions included (no errno to set under HELPER_FLAGS); each
 * moment is used as stored, rounded to REAL. */
RNNC_API
void NAME(rnnc_adam)(ptrdiff_t n, REAL *restrict p, const REAL *restrict g, REAL *restrict m,
                     REAL *restrict v, double beta1, double beta2, double eps, double step_size,
                     double root_correction2)
{
    for (ptrdiff_t i = 0; i < n; i++) {
        const double gi = g[i];
        const REAL mi = (REAL)(beta1 * m[i] + (1 - beta1) * gi);
        const REAL vi = (REAL)(beta2 * v[i] + (1 - beta2) * gi * gi);
        m[i] = mi;
        v[i] = vi;
        p[i] = (REAL)(p[i] - step_size * mi / (sqrt(vi) / root_correction2 + eps));
    }
}

RNNC_API
REAL NAME(rnnc_max_abs)(ptrdiff_t n, const REAL *restrict x)
{
    REAL m = 0;
    int nan = 0;
    /* the reductions declared, or the compiler keeps the loop scalar */
    #pragma omp simd reduction(max:m) reduction(|:nan)
    for (ptrdiff_t i = 0; i < n; i++) {
        const REAL a = x[i] < 0 ? -x[i] : x[i];
        nan |= a != a;
        m = a > m ? a : m;
    }
    return nan ? (REAL)NAN : m;
}

#undef MADD
#if RNNC_VEC_BYTES
#undef VEC
#undef VEC_U
#undef IVEC
#undef IVEC_U
#undef LANES
#undef LOG2_LANES
#undef GEMV_ROWS
#undef GEMV_COLS_TILE
#endif
