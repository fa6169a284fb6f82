"""The contenders, one module each: rnnc's kernels, rnnc.reference (NumPy), a
plain NumPy batched forward (section 3's predict), PyTorch, Numba and JAX.  The
last three take the imported library (or are skipped when it is missing) and
make a trainer train(weights, X, Y, Xv, Yv, epochs=EPOCHS) -> (U, V, W)."""
