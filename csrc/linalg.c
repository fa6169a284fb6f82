/* rnnc's dense linear algebra helpers, for double and for float. */
#include <math.h>
#include "rnnc.h"

#define RNNC_TEMPLATE "linalg_impl.h"

#define REAL double
#define REAL_FMA __builtin_fma
#define SUFFIX _d
#define LANE_INT long long
#include "rnnc_instances.h"
#undef REAL
#undef REAL_FMA
#undef SUFFIX
#undef LANE_INT

#define REAL float
#define REAL_FMA __builtin_fmaf
#define SUFFIX _s
#define LANE_INT int
#include "rnnc_instances.h"
#undef REAL
#undef REAL_FMA
#undef SUFFIX
#undef LANE_INT

#if RNNC_DISPATCHED
RNNC_IFUNC(rnnc_gemv_d)
RNNC_IFUNC(rnnc_gemv_s)
RNNC_IFUNC(rnnc_gemv_t_d)
RNNC_IFUNC(rnnc_gemv_t_s)
RNNC_IFUNC(rnnc_ger_d)
RNNC_IFUNC(rnnc_ger_s)
RNNC_IFUNC(rnnc_gemm_tn_d)
RNNC_IFUNC(rnnc_gemm_tn_s)
RNNC_IFUNC(rnnc_gemm_tn_clip_sub_d)
RNNC_IFUNC(rnnc_gemm_tn_clip_sub_s)
RNNC_IFUNC(rnnc_gemm_d)
RNNC_IFUNC(rnnc_gemm_s)
RNNC_IFUNC(rnnc_gemv_cols_d)
RNNC_IFUNC(rnnc_gemv_cols_s)
RNNC_IFUNC(rnnc_gemm_strided_d)
RNNC_IFUNC(rnnc_gemm_strided_s)
RNNC_IFUNC(rnnc_pack_panels_d)
RNNC_IFUNC(rnnc_pack_panels_s)
RNNC_IFUNC(rnnc_gemm_packed_d)
RNNC_IFUNC(rnnc_gemm_packed_s)
RNNC_IFUNC(rnnc_clip_d)
RNNC_IFUNC(rnnc_clip_s)
RNNC_IFUNC(rnnc_sub_scaled_d)
RNNC_IFUNC(rnnc_sub_scaled_s)
RNNC_IFUNC(rnnc_adam_d)
RNNC_IFUNC(rnnc_adam_s)
RNNC_IFUNC(rnnc_max_abs_d)
RNNC_IFUNC(rnnc_max_abs_s)
#endif
