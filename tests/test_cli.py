"""The nsc-tune command line through its real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BAD = Path(__file__).parent / "kernel" / "bad"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nsc_tune.cli", *args], capture_output=True,
                          text=True, timeout=600)


def test_demo_json_reports_agreement_for_every_suite_kernel() -> None:
    out = _cli("demo", "--samples", "2000", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert sorted(r["kernel"] for r in rows) == [
        "blackscholes", "fft", "inversek2j", "jmeint", "jpeg", "kmeans", "sobel"]
    assert all(r["agree"] and r["samples"] == 2000 for r in rows)


def test_check_prints_signature_and_domains(tmp_path: Path) -> None:
    src = tmp_path / "k.c"
    src.write_text("#pragma nsc_tune domain(x, 0, 3)\ndouble f(double x) { return x * x; }\n")
    out = _cli("check", str(src), "--samples", "500")
    assert out.returncode == 0, out.stderr
    assert "(double x) -> (double return)" in out.stdout
    assert "in [0, 3]" in out.stdout


def test_check_bad_kernel_is_one_clear_line() -> None:
    out = _cli("check", str(BAD / "goto_stmt.c"), "--function", "kernel")
    assert out.returncode == 2
    assert "GotoNotSupportedError: line 9" in out.stderr
    assert "Traceback" not in out.stderr


def test_bad_arguments_exit_nonzero_without_traceback() -> None:
    for args in (["demo", "--samples", "0"], ["check", "/no/such/file.c"], ["frobnicate"], []):
        out = _cli(*args)
        assert out.returncode == 2, args
        assert "Traceback" not in out.stderr
        assert "error" in out.stderr


def test_corpus_build_and_stats_through_the_cli(tmp_path: Path) -> None:
    out = _cli("corpus", "build", "--n", "12", "--out", str(tmp_path / "c"), "--workers", "1",
               "--rows", "16", "--shard-size", "8", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["kept"] == 12
    stats = _cli("corpus", "stats", str(tmp_path / "c"), "--json")
    assert stats.returncode == 0, stats.stderr
    info = json.loads(stats.stdout)
    assert info["programs"] == 12 and Path(info["plot"]).stat().st_size > 1000


def test_eval_through_the_cli(tmp_path: Path) -> None:
    out = _cli("eval", "data-efficiency", "--kernels", "kmeans", "--pool", "100", "--test", "100",
               "--fractions", "0", "0.5", "--trials", "1", "--epochs", "3", "--inits", "random",
               "compiled", "--workers", "1", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert "improvement compiled" in out.stdout
    assert (tmp_path / "data-efficiency.json").exists()


def test_more_bad_arguments_are_clear() -> None:
    for args, needle in ((["eval", "data-efficiency", "--kernels", "nope"], "unknown kernel"),
                         (["corpus", "build", "--n", "0", "--out", "/tmp/x"], "--n must be"),
                         (["eval", "epochs-to-target", "--epochs", "-1"], "--epochs must be"),
                         (["pretrain", "--corpus", "/no/such/corpus", "--out", "/tmp/nsc-x"],
                          "build the corpus first")):
        out = _cli(*args)
        assert out.returncode == 2 and needle in out.stderr, (args, out.stderr)
        assert "Traceback" not in out.stderr
