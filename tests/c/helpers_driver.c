/* Calls rnnc's C helpers on request, for tests that cannot load the helpers
 * into Python: builds for another CPU (aarch64), run under qemu-user.
 *
 * Requests come on stdin, answers go to stdout, both in this machine's byte
 * order.  A request: the helper's name (u32 length, then the bytes), the
 * number of arguments (u32), and each argument as a kind byte and its value:
 * 'i' an int64, 'd' a double, 'f' a float, 'a' an array (u64 byte count, then
 * the bytes).  The answer: every array argument's bytes after the call, then
 * the helper's result as a double (0 for void).  An unknown name ends the
 * program with status 2.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnc.h"

#define MAX_ARGS 16

typedef struct {
    char kind;
    int64_t i;
    double d;
    float f;
    void *p;
    uint64_t size;
} arg;

static int read_exactly(void *to, size_t size)
{
    return size == 0 || fread(to, 1, size, stdin) == size;
}

/* the arguments by position, as the helper takes them */
#define I(k) ((ptrdiff_t)args[k].i)
#define D(k) (args[k].d)
#define F(k) (args[k].f)
#define P(k) (args[k].p)

/* the helper named, called; its result as a double; -1 if unknown */
static int call(const char *name, arg *args, double *result)
{
    *result = 0;
#define IS(f) (strcmp(name, f) == 0)
    if (IS("rnnc_gemv_d")) rnnc_gemv_d(I(0), I(1), P(2), I(3), P(4), P(5), (int)I(6));
    else if (IS("rnnc_gemv_s")) rnnc_gemv_s(I(0), I(1), P(2), I(3), P(4), P(5), (int)I(6));
    else if (IS("rnnc_gemv_t_d")) rnnc_gemv_t_d(I(0), I(1), P(2), I(3), P(4), P(5), (int)I(6));
    else if (IS("rnnc_gemv_t_s")) rnnc_gemv_t_s(I(0), I(1), P(2), I(3), P(4), P(5), (int)I(6));
    else if (IS("rnnc_ger_d")) rnnc_ger_d(I(0), I(1), P(2), P(3), P(4));
    else if (IS("rnnc_ger_s")) rnnc_ger_s(I(0), I(1), P(2), P(3), P(4));
    else if (IS("rnnc_gemm_tn_d")) rnnc_gemm_tn_d(I(0), I(1), I(2), P(3), I(4), P(5), I(6), P(7));
    else if (IS("rnnc_gemm_tn_s")) rnnc_gemm_tn_s(I(0), I(1), I(2), P(3), I(4), P(5), I(6), P(7));
    else if (IS("rnnc_gemm_tn_clip_sub_d"))
        rnnc_gemm_tn_clip_sub_d(I(0), I(1), I(2), P(3), I(4), P(5), I(6), D(7), D(8), D(9), P(10),
                                I(11), (int)I(12));
    else if (IS("rnnc_gemm_tn_clip_sub_s"))
        rnnc_gemm_tn_clip_sub_s(I(0), I(1), I(2), P(3), I(4), P(5), I(6), F(7), F(8), F(9), P(10),
                                I(11), (int)I(12));
    else if (IS("rnnc_gemm_d")) rnnc_gemm_d(I(0), I(1), I(2), P(3), P(4), P(5));
    else if (IS("rnnc_gemm_s")) rnnc_gemm_s(I(0), I(1), I(2), P(3), P(4), P(5));
    else if (IS("rnnc_gemv_cols_d")) rnnc_gemv_cols_d(I(0), I(1), P(2), I(3), P(4), P(5));
    else if (IS("rnnc_gemv_cols_s")) rnnc_gemv_cols_s(I(0), I(1), P(2), I(3), P(4), P(5));
    else if (IS("rnnc_gemm_strided_d"))
        rnnc_gemm_strided_d(I(0), I(1), I(2), P(3), I(4), I(5), P(6), I(7), P(8), I(9), (int)I(10));
    else if (IS("rnnc_gemm_strided_s"))
        rnnc_gemm_strided_s(I(0), I(1), I(2), P(3), I(4), I(5), P(6), I(7), P(8), I(9), (int)I(10));
    else if (IS("rnnc_pack_panels_d")) rnnc_pack_panels_d(I(0), I(1), P(2), I(3), P(4));
    else if (IS("rnnc_pack_panels_s")) rnnc_pack_panels_s(I(0), I(1), P(2), I(3), P(4));
    else if (IS("rnnc_gemm_packed_d"))
        rnnc_gemm_packed_d(I(0), I(1), I(2), P(3), I(4), I(5), P(6), P(7), I(8), (int)I(9));
    else if (IS("rnnc_gemm_packed_s"))
        rnnc_gemm_packed_s(I(0), I(1), I(2), P(3), I(4), I(5), P(6), P(7), I(8), (int)I(9));
    else if (IS("rnnc_sigmoid_d")) rnnc_sigmoid_d(I(0), P(1), P(2));
    else if (IS("rnnc_sigmoid_s")) rnnc_sigmoid_s(I(0), P(1), P(2));
    else if (IS("rnnc_sigmoid_slope_d")) rnnc_sigmoid_slope_d(I(0), P(1), P(2), P(3));
    else if (IS("rnnc_sigmoid_slope_s")) rnnc_sigmoid_slope_s(I(0), P(1), P(2), P(3));
    else if (IS("rnnc_tanh_d")) rnnc_tanh_d(I(0), P(1), P(2));
    else if (IS("rnnc_tanh_s")) rnnc_tanh_s(I(0), P(1), P(2));
    else if (IS("rnnc_tanh_slope_d")) rnnc_tanh_slope_d(I(0), P(1), P(2), P(3));
    else if (IS("rnnc_tanh_slope_s")) rnnc_tanh_slope_s(I(0), P(1), P(2), P(3));
    else if (IS("rnnc_clip_d")) *result = rnnc_clip_d(I(0), P(1), D(2), D(3));
    else if (IS("rnnc_clip_s")) *result = rnnc_clip_s(I(0), P(1), F(2), F(3));
    else if (IS("rnnc_sub_scaled_d")) rnnc_sub_scaled_d(I(0), D(1), P(2), P(3), (int)I(4));
    else if (IS("rnnc_sub_scaled_s")) rnnc_sub_scaled_s(I(0), F(1), P(2), P(3), (int)I(4));
    else if (IS("rnnc_adam_d"))
        rnnc_adam_d(I(0), P(1), P(2), P(3), P(4), D(5), D(6), D(7), D(8), D(9));
    else if (IS("rnnc_adam_s"))
        rnnc_adam_s(I(0), P(1), P(2), P(3), P(4), D(5), D(6), D(7), D(8), D(9));
    else if (IS("rnnc_max_abs_d")) *result = rnnc_max_abs_d(I(0), P(1));
    else if (IS("rnnc_max_abs_s")) *result = rnnc_max_abs_s(I(0), P(1));
    else if (IS("rnnc_dispatched")) *result = rnnc_dispatched();
    else return -1;
#undef IS
    return 0;
}

int main(void)
{
    uint32_t length, nargs;
    while (read_exactly(&length, sizeof length)) {
        char name[64] = {0};
        arg args[MAX_ARGS] = {{0}};
        if (length >= sizeof name || !read_exactly(name, length) ||
            !read_exactly(&nargs, sizeof nargs) || nargs > MAX_ARGS)
            return 1;
        for (uint32_t k = 0; k < nargs; k++) {
            arg *a = &args[k];
            int ok = read_exactly(&a->kind, 1);
            if (a->kind == 'i') ok = ok && read_exactly(&a->i, sizeof a->i);
            else if (a->kind == 'd') ok = ok && read_exactly(&a->d, sizeof a->d);
            else if (a->kind == 'f') ok = ok && read_exactly(&a->f, sizeof a->f);
            else if (a->kind == 'a')
                ok = ok && read_exactly(&a->size, sizeof a->size) &&
                     (a->p = malloc(a->size + 1)) != NULL && read_exactly(a->p, a->size);
            else ok = 0;
            if (!ok)
                return 1;
        }
        double result;
        if (call(name, args, &result) != 0)
            return 2;
        for (uint32_t k = 0; k < nargs; k++)
            if (args[k].kind == 'a') {
                fwrite(args[k].p, 1, args[k].size, stdout);
                free(args[k].p);
            }
        fwrite(&result, sizeof result, 1, stdout);
        fflush(stdout);
    }
    return 0;
}
