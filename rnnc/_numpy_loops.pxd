# NumPy's own inner loops for exp and matrix-vector products, callable without
# the GIL.  Used by backprop="tutorial" so that it rounds exactly as the
# tutorial's NumPy code does on the same machine.
from rnnc._helpers cimport floating

cdef void exp_d(const double *x, double *out, Py_ssize_t n) noexcept nogil
cdef void exp_s(const float *x, float *out, Py_ssize_t n) noexcept nogil
cdef void matvec_d(Py_ssize_t m, Py_ssize_t n, const double *A, const double *x,
                   double *y) noexcept nogil
cdef void matvec_s(Py_ssize_t m, Py_ssize_t n, const float *A, const float *x,
                   float *y) noexcept nogil


cdef inline void numpy_exp(Py_ssize_t n, const floating *x, floating *out) noexcept nogil:
    """out = np.exp(x), bit for bit"""
    if floating is double:
        exp_d(x, out, n)
    else:
        exp_s(x, out, n)


cdef inline void numpy_matvec(Py_ssize_t m, Py_ssize_t n, const floating *A, const floating *x,
                              floating *y) noexcept nogil:
    """y = np.dot(A, x), bit for bit"""
    if floating is double:
        matvec_d(m, n, A, x, y)
    else:
        matvec_s(m, n, A, x, y)
