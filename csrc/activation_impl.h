/* sigmoid and tanh, and their slopes, for one element type: a template,
 * instantiated by activation.c through rnnc_instances.h with REAL, NAME(f)
 * and EXPM1_PARTS (the type's expm1_parts_d or _s) defined.
 *
 * The slopes f'(z) come from e = exp(-|z|) (tanh: exp(-2|z|)), not from
 * h = f(z) as 1 - h: where a unit saturates, 1 - h keeps only the digits
 * that h lacks (a few in float32 beyond |z| of about 10), e all of them.
 */

/* sigmoid(v), and e = exp(-|v|) in *e */
RNNC_INLINE REAL NAME(sigmoid_one)(REAL v, REAL *e)
{
    REAL scale;
    const REAL q = EXPM1_PARTS(v < 0 ? v : -v, &scale);
    *e = (1 + q) * scale;
    return (v >= 0 ? (REAL)1 : *e) / (1 + *e);
}

/* tanh(|v|) = -m / (2 + m), m = exp(-2|v|) - 1, and e = exp(-2|v|) in *e */
RNNC_INLINE REAL NAME(tanh_abs)(REAL v, REAL *e)
{
    REAL scale;
    const REAL q = EXPM1_PARTS(v < 0 ? 2 * v : -2 * v, &scale);
    const REAL m = scale == 1 ? q : (1 + q) * scale - 1;
    *e = (1 + q) * scale;
    return -m / (2 + m);
}

RNNC_API
void NAME(rnnc_sigmoid)(ptrdiff_t n, const REAL *z, REAL *out)
{
    for (ptrdiff_t i = 0; i < n; i++) {
        REAL e;
        out[i] = NAME(sigmoid_one)(z[i], &e);
    }
}

/* h = sigmoid(z), slope = sigmoid'(z) = h (1 - h); h may be z */
RNNC_API
void NAME(rnnc_sigmoid_slope)(ptrdiff_t n, const REAL *z, REAL *h, REAL *restrict slope)
{
    for (ptrdiff_t i = 0; i < n; i++) {
        const REAL v = z[i];
        REAL e;
        const REAL s = NAME(sigmoid_one)(v, &e);
        h[i] = s;
        slope[i] = s * (v >= 0 ? e * s : 1 - s);    /* 1 - s = e s, v >= 0 */
    }
}

RNNC_API
void NAME(rnnc_tanh)(ptrdiff_t n, const REAL *z, REAL *out)
{
    for (ptrdiff_t i = 0; i < n; i++) {
        const REAL v = z[i];
        REAL e;
        const REAL t = NAME(tanh_abs)(v, &e);
        out[i] = v < 0 ? -t : t;
    }
}

/* h = tanh(z), slope = tanh'(z) = (1 - |h|)(1 + |h|); h may be z */
RNNC_API
void NAME(rnnc_tanh_slope)(ptrdiff_t n, const REAL *z, REAL *h, REAL *restrict slope)
{
    for (ptrdiff_t i = 0; i < n; i++) {
        const REAL v = z[i];
        REAL e;
        const REAL t = NAME(tanh_abs)(v, &e);
        h[i] = v < 0 ? -t : t;
        slope[i] = e * (1 + t) * (1 + t);            /* 1 - t = e (1 + t) */
    }
}
