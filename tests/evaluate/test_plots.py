"""Protocol plots are drawn from real (tiny) protocol results."""

from __future__ import annotations

from pathlib import Path

from nsc_tune.evaluate.plots import plot_data_efficiency, plot_epochs
from nsc_tune.evaluate.protocol import ProtocolConfig, data_efficiency, epochs_to_target


def test_plots_of_tiny_protocol_runs(tmp_path: Path) -> None:
    cfg = ProtocolConfig(kernels=("kmeans", "fft"), pool=40, test=40, fractions=(0.0, 0.5),
                         trials=1, epochs=3, inits=("random", "compiled"), workers=1)
    de = plot_data_efficiency(data_efficiency(cfg, progress=False), tmp_path / "de.png")
    et = plot_epochs(epochs_to_target(cfg, fraction=0.5, progress=False), tmp_path / "et.png")
    for png in (de, et):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
