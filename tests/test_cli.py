"""The nsc-tune command line through its real entry point (``python -m nsc_tune.cli``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nsc_tune import Kernel, Surrogate, suite

BAD = Path(__file__).parent / "kernel" / "bad"

PARABOLA = ("#pragma nsc_tune domain(x, 0, 3)\n"
            "double f(double x) { return (x - 1.5) * (x - 1.5); }\n")
LINE = ("#pragma nsc_tune domain(a, 0, 1)\n#pragma nsc_tune domain(b, 0, 1)\n"
        "double g(double a, double b) { return a + 2.0 * b; }\n")


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nsc_tune.cli", *args], capture_output=True,
                          text=True, timeout=600, cwd=cwd)


def _json(*args: str) -> dict:
    out = _cli(*args, "--json")
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Traceback" not in out.stderr
    return json.loads(out.stdout)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# -- demo ---------------------------------------------------------------------------------------
def test_demo_quick_writes_a_report_with_plots(tmp_path: Path) -> None:
    d = _json("demo", "--quick", "--out", str(tmp_path / "report"))
    report = Path(d["report"])
    assert report == tmp_path / "report" / "report.md"
    text = report.read_text()
    for section in ("(a) Compile", "(b) Fine-tune", "(c) Tune", "(d) Accelerate",
                    "(e) Ground truth"):
        assert section in text
    assert sorted(d["plots"]) == ["accelerate", "curves", "predictions", "tune"]
    for name in d["plots"].values():
        png = tmp_path / "report" / name
        assert f"]({name})" in text and png.read_bytes()[:4] == b"\x89PNG"
    # every step did real work on the kernel
    assert d["zero_shot"]["compiled"]["mse"] > 0 and d["zero_shot"]["random"]["mse"] > 0
    runs = d["fine_tune"]["runs"]
    assert len(runs["compiled"]["val_curve"]) == len(runs["random"]["val_curve"]) == 40
    t = d["tune"]
    k = suite.load("inversek2j")
    angles = k(np.array([[t["inputs"]["x"], t["inputs"]["y"]]]))[0]
    assert np.allclose(angles, t["kernel_angles"])  # the reported verification is the kernel's
    assert t["verified"] == pytest.approx(((angles - t["angles"]) ** 2).sum(), rel=1e-6)
    a = d["accelerate"]
    assert sum(a["routes"].values()) == a["samples"] == 5000
    assert 0.0 <= a["share_accelerated"] <= 1.0
    if a["over_bound_share"] is not None:  # the report says whether the batch met the target
        met = a["over_bound_share"] <= 1 - a["target"]
        assert ("| over the bound (accelerated inputs) | " + ("met: " if met else "MISSED: ")
                + f"{a['over_bound_share']:.2%}") in text
    assert sorted(r["kernel"] for r in d["agreement"]) == suite.names()
    assert all(r["agree"] and r["samples"] == 1000 for r in d["agreement"])


def test_demo_human_output_ends_with_the_report_path(tmp_path: Path) -> None:
    out = _cli("demo", "--quick", "--agreement-samples", "200", cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "(a) compile" in out.stdout and "(e) Numba vs gcc" in out.stdout
    last = out.stdout.strip().splitlines()[-1]
    assert last.startswith("report: nsc_tune_demo/report.md")
    assert (tmp_path / "nsc_tune_demo" / "fine_tune.png").exists()


# -- compile, validate, fit -----------------------------------------------------------------------
def test_compile_saves_a_surrogate_that_validate_reproduces(tmp_path: Path) -> None:
    path = tmp_path / "sobel.safetensors"
    c = _json("compile", "sobel", "--samples", "300", "--out", str(path))
    assert c["out"] == str(path) and c["samples"] == 300
    assert c["improvement"] == pytest.approx(c["random"]["mse"] / c["compiled"]["mse"])
    assert c["compiled"]["metric"] == "image_rmse"
    v = _json("validate", "sobel", "--surrogate", str(path), "--samples", "300")
    assert v["mse"] == pytest.approx(c["compiled"]["mse"], rel=1e-9)  # same file, same draw
    assert v["same_source"] and v["init"] == "compiled"


def test_fit_a_user_kernel_and_validate_without_a_file(tmp_path: Path) -> None:
    src = _write(tmp_path, "parabola.c", PARABOLA)
    f = _json("fit", str(src), "--samples", "120", "--epochs", "5", "--init", "random",
              "--val-samples", "200")
    assert (f["init"], f["kernel_runs"], f["n_train"] + f["n_val"]) == ("random", 120, 120)
    assert f["epochs_run"] == len(f["val_curve"]) == 5 and f["candidates"] is None
    zero = _json("validate", str(src), "--samples", "100")
    assert zero["source"] == "compiled" and zero["surrogate"] is None


def test_fit_auto_saves_a_surrogate_that_tune_starts_from(tmp_path: Path) -> None:
    path = tmp_path / "k.safetensors"
    human = _cli("fit", "kmeans", "--samples", "100", "--epochs", "3", "--init", "auto", "--out",
                 str(path))
    assert human.returncode == 0, human.stderr[-3000:]
    assert "auto init: best validation MSE compiled" in human.stdout
    assert f"saved {path}" in human.stdout
    s = Surrogate.load(path)
    assert s.kernel.name == "kmeans" and s.init in ("compiled", "random")
    t = _json("tune", "kmeans", "--surrogate", str(path), "--minimize", "return", "--rounds",
              "1", "--steps", "50")
    assert t["kernel_runs"]["fit"] == 0 and t["kernel_runs"]["tune"] >= 1
    assert t["surrogate"] == f"loaded from {path}"


def test_fit_best_keeps_a_gp_that_tune_starts_from(tmp_path: Path) -> None:
    path = tmp_path / "b.safetensors"
    human = _cli("fit", "fft", "--samples", "40", "--epochs", "20", "--out", str(path))
    assert human.returncode == 0, human.stderr[-3000:]
    assert "5-fold cross-validation MSE" in human.stdout and "-> kept gp" in human.stdout
    s = Surrogate.load(path)
    assert type(s).__name__ == "GPSurrogate" and s.n_train == 40
    t = _json("tune", "fft", "--surrogate", str(path), "--target", "re=0.5", "--rounds",
              "1", "--steps", "50")
    assert t["kernel_runs"]["fit"] == 0 and t["kernel_runs"]["tune"] >= 1


def test_fit_speed_fast_keeps_a_surrogate_as_fast_as_the_mlp(tmp_path: Path) -> None:
    from nsc_tune.surrogate.choose import PARITY_TERMS

    path = tmp_path / "f.safetensors"
    r = _cli("fit", "fft", "--samples", "200", "--epochs", "20", "--speed", "fast", "--out",
             str(path))
    assert r.returncode == 0, r.stderr[-3000:]
    s = Surrogate.load(path)
    if type(s).__name__ == "GPSurrogate":  # a sparse GP: no more terms than the MLP's cost
        assert s.mean is None and s.n_train * s.n_outputs <= PARITY_TERMS
    assert "sparse" in r.stdout  # the sparse candidates were scored and are listed


# -- tune -----------------------------------------------------------------------------------------
def test_tune_minimises_a_user_kernel_verified(tmp_path: Path) -> None:
    src = _write(tmp_path, "parabola.c", PARABOLA)
    t = _json("tune", str(src), "--minimize", "return", "--samples", "200", "--epochs", "60",
              "--rounds", "2", "--steps", "100")
    x = t["inputs"]["x"]
    assert abs(x - 1.5) < 0.2
    truth = Kernel.from_file(src)(np.array([[x]]))[0, 0]
    assert t["verified"] == pytest.approx(truth) == pytest.approx(t["outputs"]["return"])
    runs = t["kernel_runs"]
    assert runs["fit"] == 200 and runs["total"] == 200 + runs["tune"] and runs["tune"] >= 1


def test_tune_target_with_fixed_and_bounds(tmp_path: Path) -> None:
    src = _write(tmp_path, "line.c", LINE)
    t = _json("tune", str(src), "--target", "return=1.2", "--fixed", "a=0.4", "--bounds",
              "b=0.1:0.9", "--samples", "200", "--epochs", "60", "--rounds", "2")
    assert t["inputs"]["a"] == pytest.approx(0.4) and 0.1 <= t["inputs"]["b"] <= 0.9
    assert t["outputs"]["return"] == pytest.approx(0.4 + 2 * t["inputs"]["b"])
    assert abs(t["outputs"]["return"] - 1.2) < 0.1
    human = _cli("tune", str(src), "--maximize", "return", "--samples", "100", "--epochs",
                 "20", "--rounds", "1")
    assert human.returncode == 0 and "kernel runs: 100 to fit" in human.stdout


# -- accelerate -----------------------------------------------------------------------------------
def test_accelerate_reports_routes_error_and_speed_and_exports_c(tmp_path: Path) -> None:
    c_path = tmp_path / "kmeans_surrogate.c"
    a = _json("accelerate", "kmeans", "--max-error", "0.1", "--samples", "3000",
              "--fit-samples", "256", "--epochs", "20", "--no-cache", "--export-c", str(c_path))
    assert sum(a["routes"].values()) == 3000
    assert a["share_accelerated"] == pytest.approx(a["routes"].get("surrogate", 0) / 3000)
    assert a["exact_seconds"] > 0 and a["accelerated_seconds"] > 0
    assert a["tolerance"] == {"return": 0.1}
    assert a["setup"]["fit_kernel_runs"] == 256 and a["setup"]["cache"] == "off"
    text = c_path.read_text()
    assert "kmeans_surrogate(float r1, float g1, float b1, float r2, float g2, float b2)" in text
    human = _cli("accelerate", "kmeans", "--max-error", "0.1", "--samples", "500",
                 "--fit-samples", "128", "--epochs", "5", "--no-cache")
    assert human.returncode == 0 and "accelerated" in human.stdout and "speed" in human.stdout


# -- check and the research commands --------------------------------------------------------------
def test_check_prints_signature_and_domains(tmp_path: Path) -> None:
    src = _write(tmp_path, "k.c", "#pragma nsc_tune domain(x, 0, 3)\n"
                 "double f(double x) { return x * x; }\n")
    out = _cli("check", str(src), "--samples", "500")
    assert out.returncode == 0, out.stderr
    assert "(double x) -> (double return)" in out.stdout
    assert "in [0, 3]" in out.stdout
    assert "return           in [0, 9]" in out.stdout  # x * x over [0, 3], proven statically
    js = _cli("check", str(src), "--samples", "500", "--json")
    ((lo, hi),) = json.loads(js.stdout)["output_ranges"]
    assert lo == 0.0 and abs(hi - 9.0) < 1e-12


def test_domain_option_sets_the_ranges_a_pragma_or_default_would(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from nsc_tune.cli import main

    src = _write(tmp_path, "k.c", "#pragma nsc_tune domain(x, 0, 3)\n"
                 "double f(double x, double z) { return x * z; }\n")
    assert main(["check", str(src), "--samples", "300", "--json", "--domain", "z=-1,2",
                 "--domain", "x=1:2"]) == 0
    out = capsys.readouterr()
    row = json.loads(out.out)
    assert row["domains"] == [[1.0, 2.0], [-1.0, 2.0]] and "warning" not in out.err
    ((lo, hi),) = row["output_ranges"]
    assert lo <= -2.0 and hi >= 4.0  # x * z over [1, 2] x [-1, 2] spans [-2, 4]
    assert main(["check", str(src), "--samples", "300"]) == 0  # z unset: the default, warned
    assert "(command line: --domain NAME=LO,HI)" in capsys.readouterr().err
    for bad, needle in ((["--domain", "z=1"], "is not NAME=LO,HI"),
                        (["--domain", "z=2,1"], "LO must not exceed HI"),
                        (["--domain", "z=a,1"], "'a' is not a number"),
                        (["--domain", "q=0,1"], "domain given for unknown input `q`")):
        assert main(["check", str(src), *bad]) == 2
        _one_clear_line(capsys.readouterr().err, needle)


def test_check_bad_kernel_is_one_clear_line() -> None:
    out = _cli("check", str(BAD / "goto_stmt.c"), "--function", "kernel")
    assert out.returncode == 2
    assert "GotoNotSupportedError: line 9" in out.stderr
    assert "Traceback" not in out.stderr


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


# -- bad arguments --------------------------------------------------------------------------------
#: At least one per subcommand, through the real entry point (a new process).
BAD_ARGUMENTS = [
    ([], "required: COMMAND"),
    (["demo", "--samples", "5"], "unrecognized arguments"),
    (["check", "/no/such/file.c"], "no such file '/no/such/file.c'"),
    (["compile", "sobel", "--function", "nope"], "drop --function"),
    (["fit", "sobel", "--init", "magic"], "invalid choice: 'magic'"),
    (["validate", "sobel", "--surrogate", "/no/s.safetensors"], "no surrogate file"),
    (["tune", "inversek2j", "--minimize", "nope"], "no output named 'nope'; outputs are theta1"),
    (["tune", "inversek2j", "--minimize", "theta1", "--fixed", "x"], "is not name=value"),
    (["accelerate", "sobel", "--max-error", "0"], "--max-error must be positive"),
    (["eval", "data-efficiency", "--kernels", "nope"], "unknown kernel"),
    (["corpus", "build", "--n", "0", "--out", "/tmp/x"], "--n must be"),
    (["pretrain", "--corpus", "/no/such/corpus", "--out", "/tmp/nsc-x"],
     "build the corpus first"),
]

#: More of them, through ``nsc_tune.cli.main`` in this process (the same code path, faster).
MORE_BAD_ARGUMENTS = [
    (["frobnicate"], "invalid choice"),
    (["demo", "--agreement-samples", "0"], "--agreement-samples must be positive"),
    (["compile", "/no/such/file.c"], "no such file"),
    (["compile", "nosuchkernel"], "bundled kernel name (blackscholes"),
    (["compile", str(BAD / "missing_function.c"), "--function", "nope"],
     "FunctionNotFoundError"),
    (["compile", "sobel", "--samples", "0"], "--samples must be positive"),
    (["fit", "sobel", "--epochs", "-3"], "--epochs must be positive"),
    (["tune", "inversek2j"], "one of the arguments --minimize --maximize --target is required"),
    (["tune", "inversek2j", "--target", "theta1"], "is not name=value"),
    (["tune", "inversek2j", "--target", "theta1=abc"], "'abc' is not a number"),
    (["tune", "inversek2j", "--target", "theta1=inf"], "not a finite number"),
    (["tune", "inversek2j", "--minimize", "theta1", "--fixed", "z=1"], "no input named 'z'"),
    (["tune", "inversek2j", "--minimize", "theta1", "--bounds", "x=0.1"], "not name=lo:hi"),
    (["tune", "inversek2j", "--minimize", "theta1", "--bounds", "x=-2:0"],
     "inside its domain"),
    (["tune", "inversek2j", "--minimize", "theta1", "--fixed", "x=5"],
     "--fixed x=5 is outside x's range [-0.5, 0.7]"),
    (["tune", "jpeg", "--minimize", "out"], "has 64 elements; name one, e.g. out[0]"),
    (["accelerate", "sobel"], "required: --max-error"),
    (["accelerate", "sobel", "--max-error", "x"], "invalid float value: 'x'"),
    (["accelerate", "sobel", "--max-error", "0.1", "--fit-samples", "20"], "at least 32"),
    (["eval", "epochs-to-target", "--epochs", "-1"], "--epochs must be"),
    (["eval", "data-efficiency", "--device", "nonsense"], "--device nonsense: not a torch device"),
    (["fit", "sobel", "--patience", "-1"], "--patience must be zero or more, got -1"),
    (["fit", "sobel", "--seed", "-1"], "--seed must be zero or more"),
    (["compile", "sobel", "--seed", str(2**64)], "--seed must be at most 4294967295"),
    (["tune", "inversek2j", "--minimize", "theta1", "--budget", "0", "--method", "bo"],
     "--budget must be positive"),
    (["tune", "inversek2j", "--minimize", "theta1", "--fixed", "x=0.1", "--fixed", "y=0.2"],
     "every input is fixed"),
    (["tune", "inversek2j", "--minimize", "theta1", "--method", "bo", "--bounds", "x=0.1:0.1",
      "--bounds", "y=0.2:0.2"], "every input is fixed (by fixed= or by bounds of one point)"),
    (["pretrain", "--corpus", "/no/such", "--out", "/tmp/nsc-x", "--model", "[1]"],
     "ModelConfigError: the model config must be a JSON object"),
    (["pretrain", "--corpus", "/no/such", "--out", "/tmp/nsc-x", "--model", '{"layer": 2}'],
     "has no field 'layer'"),
    (["pretrain", "--corpus", "/no/such", "--out", "/tmp/nsc-x", "--warmup", "-5"],
     "--warmup must be zero or more"),
]


def _one_clear_line(stderr: str, needle: str) -> None:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nsc-tune") and "error" in lines[0], lines
    assert needle in lines[0], lines


@pytest.mark.parametrize("args,needle", BAD_ARGUMENTS, ids=[" ".join(a) or "(none)"
                                                            for a, _ in BAD_ARGUMENTS])
def test_bad_arguments_are_one_clear_line_and_exit_2(args: list[str], needle: str) -> None:
    out = _cli(*args)
    assert out.returncode == 2, (args, out.stdout, out.stderr)
    _one_clear_line(out.stderr, needle)


@pytest.mark.parametrize("args,needle", MORE_BAD_ARGUMENTS,
                         ids=[" ".join(a) for a, _ in MORE_BAD_ARGUMENTS])
def test_more_bad_arguments_in_process(args: list[str], needle: str,
                                       capsys: pytest.CaptureFixture) -> None:
    from nsc_tune.cli import main

    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    assert code == 2, args
    _one_clear_line(capsys.readouterr().err, needle)


def test_damaged_files_are_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A kernel that is not UTF-8 and a weights file of random bytes: a typed line each."""
    from nsc_tune.cli import main

    latin1 = tmp_path / "k.c"
    latin1.write_bytes(b"#pragma nsc_tune domain(x, 0, 1)\n/* caf\xe9 */ double f(double x) "
                       b"{ return x; }\n")
    garbage = tmp_path / "w.safetensors"
    garbage.write_bytes(np.random.default_rng(0).bytes(700))
    for args, needle in (
            (["check", str(latin1)], "line 2, column 7: byte 0xe9 of"),
            (["compile", _parabola_file(tmp_path), "--weights", str(garbage)],
             "WeightsError: " + str(garbage) + " is not a readable safetensors file"),
            (["compile", _parabola_file(tmp_path), "--weights", str(tmp_path / "none")],
             "compiler weights not found")):
        assert main(args) == 2, args
        _one_clear_line(capsys.readouterr().err, needle)


def _parabola_file(tmp_path: Path) -> str:
    return str(_write(tmp_path, "parabola.c", PARABOLA))


def test_a_surrogate_of_another_kernel_is_refused(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    from nsc_tune.cli import main

    path = tmp_path / "sobel.safetensors"
    human = _cli("compile", "sobel", "--samples", "100", "--out", str(path))
    assert human.returncode == 0, human.stderr[-3000:]
    assert "compiled by CompNet" in human.stdout and "than random init's" in human.stdout
    out = _cli("validate", "kmeans", "--surrogate", str(path))
    assert out.returncode == 2
    _one_clear_line(out.stderr, "is a surrogate of `sobel`")
    assert main(["tune", "kmeans", "--surrogate", str(path), "--minimize", "return"]) == 2
    _one_clear_line(capsys.readouterr().err, "is a surrogate of `sobel`")


def test_every_subcommand_has_help() -> None:
    from nsc_tune.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # noqa: SLF001
    assert set(commands) == {"demo", "compile", "fit", "validate", "tune", "accelerate", "check",
                             "corpus", "pretrain", "eval"}
    for name, sub in commands.items():
        text = sub.format_help()
        assert text.startswith(f"usage: nsc-tune {name}") and sub.description, name
        if any(a.dest == "kernel" for a in sub._actions):
            assert "bundled suite kernel" in " ".join(text.split()), name
    out = _cli("tune", "--help")
    assert out.returncode == 0 and "--target OUTPUT=VALUE" in out.stdout


def test_eval_reuse_of_a_bad_file_is_refused_before_any_run(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    import json as _j

    from nsc_tune.cli import main

    other = tmp_path / "other.json"
    other.write_text(_j.dumps({"config": {"pool": 10000, "test": 2000, "epochs": 200,
                                          "lr": 0.01, "batch_size": 256, "warmup_epochs": None,
                                          "seed": 0}, "rows": []}))
    base = ["eval", "data-efficiency", "--kernels", "kmeans", "--epochs", "5", "--reuse"]
    for path, needle in ((tmp_path / "missing.json", "No such file"),
                         (other, "other settings: epochs"),
                         (_write(tmp_path, "notes.json", "[1, 2]"), "not a protocol result")):
        assert main(base + [str(path)]) == 2
        _one_clear_line(capsys.readouterr().err, needle)


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has a GPU")
def test_eval_on_a_missing_gpu_says_what_to_do(capsys: pytest.CaptureFixture) -> None:
    from nsc_tune.cli import main

    assert main(["eval", "data-efficiency", "--device", "cuda", "--epochs", "1"]) == 2
    _one_clear_line(capsys.readouterr().err, "no CUDA GPU; use --device cpu")


def test_eval_corpus_programs_need_a_corpus(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from nsc_tune.cli import main

    assert main(["eval", "data-efficiency", "--programs", "5", "--epochs", "1"]) == 2
    _one_clear_line(capsys.readouterr().err, "add --corpus DIR")
    assert main(["eval", "data-efficiency", "--kernels", "--epochs", "1"]) == 2
    _one_clear_line(capsys.readouterr().err, "no kernels to evaluate")
    assert main(["eval", "data-efficiency", "--corpus", str(tmp_path), "--programs", "2"]) == 2
    _one_clear_line(capsys.readouterr().err, f"--corpus {tmp_path}")
    assert main(["eval", "data-efficiency", "--kernels", "corpus:3", "--epochs", "1"]) == 2
    _one_clear_line(capsys.readouterr().err, "corpus:<index> with --corpus DIR")


def test_eval_takes_corpus_programs_by_name(tiny_corpus: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture) -> None:
    import json as _j

    from nsc_tune.cli import main
    from nsc_tune.corpus.storage import Corpus
    from nsc_tune.evaluate.programs import corpus_names

    name = corpus_names(str(tiny_corpus), 1)[0]
    args = ["eval", "data-efficiency", "--corpus", str(tiny_corpus), "--pool", "40", "--test",
            "40", "--fractions", "0", "--trials", "1", "--epochs", "1", "--workers", "1",
            "--inits", "random", "compiled", "--json", "--kernels"]
    assert main(args + [name]) == 0
    result = _j.loads(capsys.readouterr().out)
    assert result["config"]["kernels"] == [name]
    train = next(p.record["index"] for p in Corpus(tiny_corpus).programs("train"))
    assert main(args + [f"corpus:{train}"]) == 2  # a training program is never evaluated
    _one_clear_line(capsys.readouterr().err, "no test program of that index")
