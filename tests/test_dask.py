"""RNNRegressor searches on a dask.distributed cluster through joblib's dask backend."""

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="RNNRegressor needs scikit-learn (pip install rnnc[sklearn])")
distributed = pytest.importorskip(
    "distributed", reason="needs dask[distributed] (pip install rnnc[dask])"
)
import joblib  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from rnnc.estimator import RNNRegressor  # noqa: E402

pytestmark = pytest.mark.slow  # starts a cluster of worker processes


@pytest.fixture(scope="module")
def client():
    # worker processes, as on a real cluster: estimators and data travel pickled
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_grid_search_on_a_dask_cluster(client):
    wave = np.sin(0.1 * np.arange(140))
    X, y = np.stack([wave[i : i + 20] for i in range(120)]), wave[20:140]
    grid = {"hidden_dim": [8, 16], "learning_rate": [1e-3, 1e-2]}
    search = GridSearchCV(RNNRegressor(max_epochs=20, random_state=0), grid, cv=3)
    with distributed.get_task_stream(client) as tasks, joblib.parallel_config(backend="dask"):
        search.fit(X, y)
    workers = {task["worker"] for task in tasks.data}
    assert len(workers) == 2  # the fits ran in both worker processes

    local = GridSearchCV(RNNRegressor(max_epochs=20, random_state=0), grid, cv=3).fit(X, y)
    np.testing.assert_array_equal(
        search.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    assert search.best_params_ == local.best_params_
    assert search.best_score_ > 0.95
