/* rnnc's dense linear algebra helpers, for double and for float. */
#include <math.h>
#include "rnnc.h"

#define REAL double
#define NAME(f) f##_d
typedef long long lane_int_d;     /* integers as wide as REAL, for lane masks */
#include "linalg_impl.h"
#undef REAL
#undef NAME

#define REAL float
#define NAME(f) f##_s
typedef int lane_int_s;
#include "linalg_impl.h"
#undef REAL
#undef NAME
