"""rnnc.scaling: the standardisation the network's inputs and targets get."""

import numpy as np

from rnnc.scaling import ROUNDING, mean_in_range, standardisation


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


def test_the_mean_of_values_near_the_largest_float_is_in_range():
    A = np.array([[1.5e308, 1.0], [1.7e308, 3.0]])
    with np.errstate(over="raise", invalid="raise"):  # no overflow escapes
        np.testing.assert_allclose(mean_in_range(A, axis=0), [1.6e308, 2.0], rtol=1e-15)
        assert mean_in_range(A) == np.mean(A / 1.7e308) * 1.7e308
        assert mean_in_range([1.0, 2.0]) == 1.5  # the plain mean where it fits
    assert mean_in_range([np.inf, 1.0]) == np.inf  # a value beyond float64 stays so
