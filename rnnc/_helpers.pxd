# The C helpers of csrc/, and one fused-type wrapper for each so that kernels
# written over `floating` call the double or the float version.
from cython cimport floating
from libc.math cimport sqrt

cdef extern from "rnnc.h" nogil:
    void rnnc_gemv_d(Py_ssize_t m, Py_ssize_t n, const double *A, Py_ssize_t lda,
                     const double *x, double *y, int backwards)
    void rnnc_gemv_s(Py_ssize_t m, Py_ssize_t n, const float *A, Py_ssize_t lda,
                     const float *x, float *y, int backwards)
    void rnnc_gemv_t_d(Py_ssize_t m, Py_ssize_t n, const double *A, Py_ssize_t lda,
                       const double *x, double *y, int backwards)
    void rnnc_gemv_t_s(Py_ssize_t m, Py_ssize_t n, const float *A, Py_ssize_t lda,
                       const float *x, float *y, int backwards)
    void rnnc_ger_d(Py_ssize_t m, Py_ssize_t n, const double *x, const double *y, double *A)
    void rnnc_ger_s(Py_ssize_t m, Py_ssize_t n, const float *x, const float *y, float *A)
    void rnnc_gemm_tn_d(Py_ssize_t m, Py_ssize_t k, Py_ssize_t n, const double *A, Py_ssize_t lda,
                        const double *B, Py_ssize_t ldb, double *C)
    void rnnc_gemm_tn_s(Py_ssize_t m, Py_ssize_t k, Py_ssize_t n, const float *A, Py_ssize_t lda,
                        const float *B, Py_ssize_t ldb, float *C)
    void rnnc_gemm_tn_clip_sub_d(Py_ssize_t m, Py_ssize_t k, Py_ssize_t n, const double *A,
                                 Py_ssize_t lda, const double *B, Py_ssize_t ldb, double lo,
                                 double hi, double alpha, double *C, Py_ssize_t ldc,
                                 int backwards)
    void rnnc_gemm_tn_clip_sub_s(Py_ssize_t m, Py_ssize_t k, Py_ssize_t n, const float *A,
                                 Py_ssize_t lda, const float *B, Py_ssize_t ldb, float lo,
                                 float hi, float alpha, float *C, Py_ssize_t ldc, int backwards)
    void rnnc_gemm_d(Py_ssize_t m, Py_ssize_t k, Py_ssize_t n, const double *A,
                     const double *B, double *C)
    void rnnc_gemm_s(Py_ssize_t m, Py_ssize_t k, Py_ssize_t n, const float *A,
                     const float *B, float *C)
    void rnnc_gemv_cols_d(Py_ssize_t m, Py_ssize_t k, const double *AT, Py_ssize_t ldat,
                          const double *x, double *y)
    void rnnc_gemv_cols_s(Py_ssize_t m, Py_ssize_t k, const float *AT, Py_ssize_t ldat,
                          const float *x, float *y)
    enum:
        RNNC_SET
        RNNC_ADD
        RNNC_MUL
    void rnnc_gemm_strided_d(Py_ssize_t m, Py_ssize_t k, Py_ssize_t n, const double *A,
                             Py_ssize_t ar, Py_ssize_t ac, const double *B, Py_ssize_t ldb,
                             double *C, Py_ssize_t ldc, int mode)
    void rnnc_gemm_strided_s(Py_ssize_t m, Py_ssize_t k, Py_ssize_t n, const float *A,
                             Py_ssize_t ar, Py_ssize_t ac, const float *B, Py_ssize_t ldb,
                             float *C, Py_ssize_t ldc, int mode)
    void rnnc_pack_panels_d(Py_ssize_t k, Py_ssize_t n, const double *B, Py_ssize_t ldb,
                            double *packed)
    void rnnc_pack_panels_s(Py_ssize_t k, Py_ssize_t n, const float *B, Py_ssize_t ldb,
                            float *packed)
    void rnnc_gemm_packed_d(Py_ssize_t m, Py_ssize_t k, Py_ssize_t n, const double *A,
                            Py_ssize_t ar, Py_ssize_t ac, const double *packed, double *C,
                            Py_ssize_t ldc, int mode)
    void rnnc_gemm_packed_s(Py_ssize_t m, Py_ssize_t k, Py_ssize_t n, const float *A,
                            Py_ssize_t ar, Py_ssize_t ac, const float *packed, float *C,
                            Py_ssize_t ldc, int mode)
    void rnnc_sigmoid_d(Py_ssize_t n, const double *z, double *out)
    void rnnc_sigmoid_s(Py_ssize_t n, const float *z, float *out)
    void rnnc_sigmoid_slope_d(Py_ssize_t n, const double *z, double *h, double *slope)
    void rnnc_sigmoid_slope_s(Py_ssize_t n, const float *z, float *h, float *slope)
    void rnnc_tanh_d(Py_ssize_t n, const double *z, double *out)
    void rnnc_tanh_s(Py_ssize_t n, const float *z, float *out)
    void rnnc_tanh_slope_d(Py_ssize_t n, const double *z, double *h, double *slope)
    void rnnc_tanh_slope_s(Py_ssize_t n, const float *z, float *h, float *slope)
    int rnnc_clip_d(Py_ssize_t n, double *x, double lo, double hi)
    int rnnc_clip_s(Py_ssize_t n, float *x, float lo, float hi)
    void rnnc_sub_scaled_d(Py_ssize_t n, double alpha, const double *x, double *y,
                           int backwards)
    void rnnc_sub_scaled_s(Py_ssize_t n, float alpha, const float *x, float *y, int backwards)
    void rnnc_adam_d(Py_ssize_t n, double *p, const double *g, double *m, double *v,
                     double beta1, double beta2, double eps, double step_size,
                     double root_correction2)
    void rnnc_adam_s(Py_ssize_t n, float *p, const float *g, float *m, float *v,
                     double beta1, double beta2, double eps, double step_size,
                     double root_correction2)
    double rnnc_max_abs_d(Py_ssize_t n, const double *x)
    float rnnc_max_abs_s(Py_ssize_t n, const float *x)
    void rnnc_prefetch(const void *p, Py_ssize_t n)
    unsigned rnnc_flush_subnormals_begin()
    void rnnc_flush_subnormals_end(unsigned saved)
    int rnnc_dispatched()
    const char *rnnc_simd_path()


cdef inline void gemv(Py_ssize_t m, Py_ssize_t n, const floating *A, const floating *x,
                      floating *y, bint backwards=False, Py_ssize_t lda=-1) noexcept nogil:
    """y += A @ x, A's rows lda apart (n by default); backwards: the same,
    rows taken last to first"""
    if floating is double:
        rnnc_gemv_d(m, n, A, n if lda < 0 else lda, x, y, backwards)
    else:
        rnnc_gemv_s(m, n, A, n if lda < 0 else lda, x, y, backwards)


cdef inline void gemv_t(Py_ssize_t m, Py_ssize_t n, const floating *A, const floating *x,
                        floating *y, bint backwards=False, Py_ssize_t lda=-1) noexcept nogil:
    """y = A.T @ x, A's rows lda apart (n by default); backwards: A's rows
    taken last to first"""
    if floating is double:
        rnnc_gemv_t_d(m, n, A, n if lda < 0 else lda, x, y, backwards)
    else:
        rnnc_gemv_t_s(m, n, A, n if lda < 0 else lda, x, y, backwards)


cdef inline void ger(Py_ssize_t m, Py_ssize_t n, const floating *x, const floating *y,
                     floating *A) noexcept nogil:
    """A += np.outer(x, y)"""
    if floating is double:
        rnnc_ger_d(m, n, x, y, A)
    else:
        rnnc_ger_s(m, n, x, y, A)


cdef inline void gemm_tn(Py_ssize_t m, Py_ssize_t k, Py_ssize_t n, const floating *A,
                         Py_ssize_t lda, const floating *B, Py_ssize_t ldb,
                         floating *C) noexcept nogil:
    """C = A.T @ B, A's and B's rows lda and ldb apart"""
    if floating is double:
        rnnc_gemm_tn_d(m, k, n, A, lda, B, ldb, C)
    else:
        rnnc_gemm_tn_s(m, k, n, A, lda, B, ldb, C)


cdef inline void gemm_tn_clip_sub(Py_ssize_t m, Py_ssize_t k, Py_ssize_t n, const floating *A,
                                  Py_ssize_t lda, const floating *B, Py_ssize_t ldb, double lo,
                                  double hi, double alpha, floating *C, Py_ssize_t ldc,
                                  bint backwards) noexcept nogil:
    """C -= alpha * np.clip(A.T @ B, lo, hi) (A.T @ B finite), the rows of A,
    B and C lda, ldb and ldc apart, C's taken in reverse order when backwards"""
    if floating is double:
        rnnc_gemm_tn_clip_sub_d(m, k, n, A, lda, B, ldb, lo, hi, alpha, C, ldc, backwards)
    else:
        rnnc_gemm_tn_clip_sub_s(m, k, n, A, lda, B, ldb, <float>lo, <float>hi, <float>alpha, C,
                                ldc, backwards)


cdef inline void gemm(Py_ssize_t m, Py_ssize_t k, Py_ssize_t n, const floating *A,
                      const floating *B, floating *C) noexcept nogil:
    """C += A @ B"""
    if floating is double:
        rnnc_gemm_d(m, k, n, A, B, C)
    else:
        rnnc_gemm_s(m, k, n, A, B, C)


cdef inline void gemv_cols(Py_ssize_t m, Py_ssize_t k, const floating *AT,
                           const floating *x, floating *y) noexcept nogil:
    """y += AT.T @ x (AT (k, m)), each y[i] summed as gemm sums C's elements:
    bit for bit a column of gemm(m, k, n, AT.T, B, C)"""
    if floating is double:
        rnnc_gemv_cols_d(m, k, AT, m, x, y)
    else:
        rnnc_gemv_cols_s(m, k, AT, m, x, y)


cdef inline void gemm_strided(Py_ssize_t m, Py_ssize_t k, Py_ssize_t n, const floating *A,
                              Py_ssize_t ar, Py_ssize_t ac, const floating *B, Py_ssize_t ldb,
                              floating *C, Py_ssize_t ldc, int mode) noexcept nogil:
    """C = P, C += P or C *= P (mode RNNC_SET, RNNC_ADD, RNNC_MUL) for P = A @ B,
    A[i, l] at A[i * ar + l * ac] (ar=1, ac=lda: the transpose of a stored
    matrix), the rows of B and C ldb and ldc apart"""
    if floating is double:
        rnnc_gemm_strided_d(m, k, n, A, ar, ac, B, ldb, C, ldc, mode)
    else:
        rnnc_gemm_strided_s(m, k, n, A, ar, ac, B, ldb, C, ldc, mode)


cdef inline void pack_panels(Py_ssize_t k, Py_ssize_t n, const floating *B, Py_ssize_t ldb,
                             floating *packed) noexcept nogil:
    """packed = B (k, n), rows ldb apart, in the panels gemm_packed reads"""
    if floating is double:
        rnnc_pack_panels_d(k, n, B, ldb, packed)
    else:
        rnnc_pack_panels_s(k, n, B, ldb, packed)


cdef inline void gemm_packed(Py_ssize_t m, Py_ssize_t k, Py_ssize_t n, const floating *A,
                             Py_ssize_t ar, Py_ssize_t ac, const floating *packed, floating *C,
                             Py_ssize_t ldc, int mode) noexcept nogil:
    """gemm_strided(m, k, n, A, ar, ac, B, ., C, ldc, mode), B as pack_panels left
    it in packed"""
    if floating is double:
        rnnc_gemm_packed_d(m, k, n, A, ar, ac, packed, C, ldc, mode)
    else:
        rnnc_gemm_packed_s(m, k, n, A, ar, ac, packed, C, ldc, mode)


# The hidden layer's activation, as the kernels' argument `activation`.
cdef enum Activation:
    SIGMOID = 0
    TANH = 1


cdef inline void activate(Activation activation, Py_ssize_t n, const floating *z,
                          floating *out) noexcept nogil:
    """out = sigmoid(z) or np.tanh(z); out may be z"""
    if activation == TANH:
        if floating is double:
            rnnc_tanh_d(n, z, out)
        else:
            rnnc_tanh_s(n, z, out)
    elif floating is double:
        rnnc_sigmoid_d(n, z, out)
    else:
        rnnc_sigmoid_s(n, z, out)


cdef inline void activate_with_slope(Activation activation, Py_ssize_t n, const floating *z,
                                     floating *h, floating *slope) noexcept nogil:
    """h = f(z) and slope = f'(z), f sigmoid or tanh; h may be z"""
    if activation == TANH:
        if floating is double:
            rnnc_tanh_slope_d(n, z, h, slope)
        else:
            rnnc_tanh_slope_s(n, z, h, slope)
    elif floating is double:
        rnnc_sigmoid_slope_d(n, z, h, slope)
    else:
        rnnc_sigmoid_slope_s(n, z, h, slope)


cdef inline int clip(Py_ssize_t n, floating *x, double lo, double hi) noexcept nogil:
    """x = np.clip(x, lo, hi); 1 if x held a non-finite value"""
    if floating is double:
        return rnnc_clip_d(n, x, lo, hi)
    else:
        return rnnc_clip_s(n, x, <float>lo, <float>hi)


cdef inline void sub_scaled(Py_ssize_t n, double alpha, const floating *x,
                            floating *y, bint backwards=False) noexcept nogil:
    """y -= alpha * x (backwards: last element first, same results)"""
    if floating is double:
        rnnc_sub_scaled_d(n, alpha, x, y, backwards)
    else:
        rnnc_sub_scaled_s(n, <float>alpha, x, y, backwards)


cdef struct AdamStep:
    # Adam's constants and the scales of its update number t (from 1)
    double beta1, beta2, eps, step_size, root_correction2


cdef inline AdamStep adam_step(double lr, Py_ssize_t t) noexcept nogil:
    """Adam's update number t (Kingma & Ba, 2015, with PyTorch's defaults and
    form of the bias correction): m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
    p -= lr / (1-b1^t) * m / (sqrt(v) / sqrt(1-b2^t) + eps)"""
    cdef AdamStep s
    s.beta1, s.beta2, s.eps = 0.9, 0.999, 1e-8
    s.step_size = lr / (1 - s.beta1 ** t)
    s.root_correction2 = sqrt(1 - s.beta2 ** t)
    return s


cdef inline void adam_update(Py_ssize_t n, floating *p, const floating *g, floating *m,
                             floating *v, const AdamStep *s) noexcept nogil:
    """Adam's update s (see adam_step) of n parameters p with gradient g and
    moments m, v"""
    if floating is double:
        rnnc_adam_d(n, p, g, m, v, s.beta1, s.beta2, s.eps, s.step_size, s.root_correction2)
    else:
        rnnc_adam_s(n, p, g, m, v, s.beta1, s.beta2, s.eps, s.step_size, s.root_correction2)


cdef inline double max_abs(Py_ssize_t n, const floating *x) noexcept nogil:
    """np.max(np.abs(x)), NaN if x holds one"""
    if floating is double:
        return rnnc_max_abs_d(n, x)
    else:
        return rnnc_max_abs_s(n, x)
