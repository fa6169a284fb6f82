"""rnnc's benchmark suite (issue 4): one run, contenders interleaved, medians.

    pip install ".[bench]" && pip install torch==2.13.0
    python -m benchmarks              # about 4-5 minutes on 2 cores
    python benchmarks/bench.py        # the same
    python -m benchmarks --quick      # fewer repeats and a smaller grid, for a smoke test

Prints a Markdown report; a full run also writes it to benchmarks/results/ under
the name of the instruction set rnnc's helpers ran with (x86-64-v4.md,
x86-64-v3.md or baseline.md; x86-64-v3-forced.md when RNNC_FORCE_LEVEL=v3 held
them below the CPU's level), with a plot of time against hidden size beside it
(x86-64-v4.png, ...) when matplotlib is installed.  Contenders missing from the
environment (torch, numba, jax) are reported as skipped.

Sections:
 1. the tutorial workload (its sine data, seed, init and defaults, 25 epochs of
    per-record SGD with exact truncated gradients, both loss passes every epoch):
    rnnc against PyTorch, Numba, JAX and rnnc.reference, with a check that they
    end with the same weights (tutorial.py);
 2. the tutorial's update rule: rnnc against rnnc.reference (tutorial.py);
 3. scaling over hidden size, sequence length, records, dtype and input layout,
    one SGD epoch (rnnc._sgd.sgd_epoch) and batched predict, with GFLOP/s next to
    a matrix-vector / matrix-matrix roofline measured in the same run
    (roofline.py, c/), and PyTorch training at hidden 400 (scaling.py);
 4. threads: predict and calculate_loss on 1 thread against all cores, and a
    check that the kernels release the GIL (threads.py);
 5. which SIMD instruction sets the CPU and NumPy have, and which clone of
    rnnc's helpers ran (simd.py);
 6. mini-batch training (rnnc.train(batch_size=64)) against per-record updates
    and PyTorch's nn.RNN on a noisy two-tone series: epoch time, validation MSE
    after the same epochs, 1 against 2 threads, GFLOP/s against BLAS gemm at
    hidden 256, and the epoch's cost from 1k to 1M windows (batch.py).

Timing method (harness.py): every contender of a section runs once per round,
the order rotating from round to round; each run starts from fresh copies of
the same weights (copying is not timed); the table shows the median over
rounds and the spread (min-max).  The machine is shared and noisy, so only
medians are compared.  The contenders are in contenders/, one module each.
"""

import os

# One BLAS thread: the roofline is measured per core, and the NumPy, Numba and
# PyTorch contenders are single-threaded (rnnc itself calls no BLAS).  Set
# here, before any module of the package imports NumPy.
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

# RNNC_FORCE_LEVEL=v3 (or baseline) runs rnnc's helpers at that level on a newer
# CPU (csrc/dispatch.c); the contenders are held to the same instruction set, as
# on a CPU of that level, unless these are set already.  They are read when each
# library loads, so here, before any is imported.
FORCED_LEVEL = {"v3": "v3", "x86-64-v3": "v3", "baseline": "baseline"}.get(
    os.environ.get("RNNC_FORCE_LEVEL", "")
)
FORCED_ENV = {
    "v3": {
        "OPENBLAS_CORETYPE": "Haswell",
        "NUMBA_CPU_NAME": "haswell",
        "XLA_FLAGS": "--xla_cpu_max_isa=AVX2",
        "ATEN_CPU_CAPABILITY": "avx2",
    },
    "baseline": {
        "OPENBLAS_CORETYPE": "Prescott",
        "NUMBA_CPU_NAME": "x86-64",
        "XLA_FLAGS": "--xla_cpu_max_isa=SSE4_2",
        "ATEN_CPU_CAPABILITY": "default",
    },
}.get(FORCED_LEVEL, {})
for _var, _value in FORCED_ENV.items():
    os.environ.setdefault(_var, _value)
