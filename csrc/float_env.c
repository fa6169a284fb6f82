/* Subnormal results flushed to zero while a training kernel runs.
 *
 * The backward pass multiplies the slopes of saturated units, which can be as
 * small as 1e-22 in float32, so deltas fall into the subnormal range, where
 * every operation takes a microcode assist (here: float32 training became 5x
 * slower).  Such values are far below anything an update can add to a
 * weight, so the kernels flush them (FTZ; subnormal inputs are still read as
 * they are) and restore the caller's setting afterwards.  Where the control
 * register is not x86's MXCSR, nothing changes.
 */
#include "rnnc.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>
#define FLUSH_TO_ZERO 0x8000u

unsigned rnnc_flush_subnormals_begin(void)
{
    const unsigned saved = _mm_getcsr();
    _mm_setcsr(saved | FLUSH_TO_ZERO);
    return saved;
}

void rnnc_flush_subnormals_end(unsigned saved) { _mm_setcsr(saved); }
#else
unsigned rnnc_flush_subnormals_begin(void) { return 0; }

void rnnc_flush_subnormals_end(unsigned saved) { (void)saved; }
#endif
