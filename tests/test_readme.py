"""The README's Python example runs as printed."""
import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[1] / "README.md"


def test_series_example_runs(tmp_path, monkeypatch, capsys):
    block = next(b for b in re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
                 if "rnnc.windows(series, 50)" in b)
    monkeypatch.chdir(tmp_path)                 # it writes sine.npz
    namespace = {}
    exec("import numpy as np\nimport rnnc\n" + block, namespace)
    assert (tmp_path / "sine.npz").exists()
    forecast = eval("rnnc.forecast(model, series, horizon=10)", namespace)
    truth = np.sin(np.arange(200.0, 210.0))
    assert np.max(np.abs(forecast - truth)) < 0.05
