/* rnnc's dense linear algebra helpers, for double and for float. */
#include <math.h>
#include "rnnc.h"

#define REAL double
#define NAME(f) f##_d
#include "linalg_impl.h"
#undef REAL
#undef NAME

#define REAL float
#define NAME(f) f##_s
#include "linalg_impl.h"
#undef REAL
#undef NAME
