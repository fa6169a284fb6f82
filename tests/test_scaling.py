"""rnnc.scaling: the standardisation the network's inputs and targets get."""

import numpy as np

from rnnc.scaling import ROUNDING, standardisation


def test_flat_columns_keep_scale_1_until_their_rounding_would_not_fit_it():
    # constant but for rounding: scale 1, as ever, or ROUNDING times the
    # magnitude where that is larger (its rounding residue then stays near 1);
    # a spread that underflows (subnormal values): the magnitude
    A = np.array([[1e200, 0.0, 5e-324, 1000.0], [1e200, 0.0, 0.0, 1000.0]])
    mean, scale = standardisation(A)
    np.testing.assert_array_equal(mean[[0, 1, 3]], [1e200, 0.0, 1000.0])
    np.testing.assert_array_equal(scale, [ROUNDING * 1e200, 1.0, 5e-324, 1.0])


def test_a_column_with_spread_is_scaled_by_it():
    A = np.array([[1.0, -3e300], [3.0, 3e300]])
    mean, scale = standardisation(A)
    np.testing.assert_allclose(mean, [2.0, 0.0], atol=1e-300)
    np.testing.assert_allclose(scale, [1.0, 3e300], rtol=1e-15)
