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


def test_plots_of_a_run_with_corpus_programs(tmp_path: Path, tiny_corpus: Path) -> None:
    # Suite kernels and corpus programs in one result: the suite plot leaves the programs out,
    # the corpus plot shows only them (main writes both).
    import json

    from nsc_tune.evaluate.plots import main
    from nsc_tune.evaluate.programs import corpus_names

    cfg = ProtocolConfig(kernels=("fft", *corpus_names(str(tiny_corpus), 2)), pool=40, test=40,
                         fractions=(0.0, 0.5), trials=1, epochs=3,
                         inits=("random", "compiled"), workers=1, corpus=str(tiny_corpus))
    (tmp_path / "data-efficiency.json").write_text(json.dumps(data_efficiency(cfg, False)))
    assert main([str(tmp_path)]) == 0
    for name in ("data-efficiency.png", "data-efficiency-corpus.png"):
        png = tmp_path / name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
