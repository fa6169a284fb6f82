/* rnnc's dense linear algebra helpers, for double and for float. */
#include <math.h>
#include "rnnc.h"

/* gemm tiles: 4 rows by GEMM_NR columns of sums held in registers
 * (4 x 16: up to sixteen AVX2 registers, eight AVX-512 ones) */
#define REAL double
#define NAME(f) f##_d
#define GEMM_NR 16
#include "linalg_impl.h"
#undef REAL
#undef NAME
#undef GEMM_NR

#define REAL float
#define NAME(f) f##_s
#define GEMM_NR 16
#include "linalg_impl.h"
#undef REAL
#undef NAME
#undef GEMM_NR
