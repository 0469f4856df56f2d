"""The demo's Markdown report: what each step did, with its numbers and PNG plots."""

from __future__ import annotations

from pathlib import Path

from nsc_tune.report import plots
from nsc_tune.report.fmt import bound_verdict, g, lower


def write_plots(result: dict, data: dict, out: Path) -> dict[str, str]:
    """Write every plot into ``out``; returns ``{name: file name}``."""
    zs, ft, ac = (data.get(k) for k in ("zero_shot", "fine_tune", "accelerate"))
    files = {}
    labels = result["output_labels"]
    if zs:
        preds = {"compiled, zero-shot": zs["compiled"], "random init, zero-shot": zs["random"]}
        if ft:
            preds["compiled, fine-tuned"] = ft["compiled"]
        files["predictions"] = plots.predictions(out / "predictions.png", zs["truth"], preds,
                                                 labels).name
    if "fine_tune" in result:
        files["curves"] = plots.curves(out / "fine_tune.png", result["fine_tune"]["runs"]).name
    if "tune" in result:
        t = result["tune"]
        hand = (t["inputs"]["x"], t["inputs"]["y"])
        files["tune"] = plots.arm(out / "tune.png", t["angles"], hand,
                                  t["forward_kinematics"], t["rounds"]).name
    if ac:
        files["accelerate"] = plots.error_ratios(out / "accelerate.png", ac["ratio"],
                                                 result["accelerate"]["target"]).name
    return files


def _zero_shot(r: dict) -> list[str]:
    z = r["zero_shot"]
    c, rnd = z["compiled"], z["random"]
    return [
        "## (a) Compile: zero-shot surrogate from the text alone", "",
        f"CompNet read the C text of `{r['kernel']}` and emitted the weights of an MLP "
        f"surrogate in {z['compile_seconds']:.2f} s, without running the kernel. Error on "
        f"{z['samples']:,} fresh samples, in the kernel's units (radians):", "",
        f"| init | MSE | RMSE | max abs error | {c['metric']} |", "|---|---|---|---|---|",
        *(f"| {name} | {g(e['mse'])} | {g(e['rmse'])} | {g(e['max_abs_error'])} | "
          f"{g(e['quality'])} |" for name, e in (("compiled", c), ("random", rnd))), "",
        f"The compiled init's MSE is **{lower(z['improvement'])}** than a random init's.",
        "", "Surrogate vs kernel outputs on 1,000 fresh inputs (the right panel is the "
        "compiled init after the fine-tuning of (b)):", "",
        "![predictions](predictions.png)", ""]


def _fine_tune(r: dict) -> list[str]:
    f = r["fine_tune"]
    c, rnd = f["runs"]["compiled"], f["runs"]["random"]
    reached = f["compiled_reaches_random_best_at"]
    return [
        "## (b) Fine-tune: compiled vs random init at equal data", "",
        f"Both inits trained on the same {f['kernel_runs']:,} kernel runs (split "
        f"{f['n_train']}:{f['n_val']} train/validation) for {f['epochs']} epochs (Adam, "
        f"lr 0.01); the best-validation weights are kept and tested on {f['test_samples']:,} "
        "fresh samples.", "",
        "| init | best epoch | validation MSE (standardised) | test MSE (rad^2) |",
        "|---|---|---|---|",
        *(f"| {name} | {e['best_epoch']} | {g(e['best_val_mse'])} | {g(e['test_mse'])} |"
          for name, e in (("compiled", c), ("random", rnd))), "",
        f"Test MSE ratio random / compiled: **{f['improvement']:.2f}x**. " + (
            f"The compiled init reached the random init's best validation error at epoch "
            f"{reached} of {f['epochs']}." if reached else
            "The compiled init did not reach the random init's best validation error."),
        "", "![validation curves](fine_tune.png)", ""]


def _tune(r: dict) -> list[str]:
    t = r["tune"]
    x, y = t["inputs"]["x"], t["inputs"]["y"]
    fk = t["forward_kinematics"]
    return [
        "## (c) Tune: run the kernel backwards", "",
        f"`inversek2j` maps a target (x, y) to joint angles. Which target makes it output "
        f"theta1 = {t['angles'][0]}, theta2 = {t['angles'][1]}? Gradient descent through the "
        "fine-tuned compiled surrogate, each round's candidates run on the kernel and learned "
        "from (`nsc_tune.tune.refine`).", "",
        "| | x | y | theta1 | theta2 |", "|---|---|---|---|---|",
        f"| tuned input, kernel's angles (verified) | {x:.4f} | {y:.4f} | "
        f"{t['kernel_angles'][0]:.4f} | {t['kernel_angles'][1]:.4f} |",
        f"| forward kinematics of the target angles | {fk[0]:.4f} | {fk[1]:.4f} | "
        f"{t['angles'][0]} | {t['angles'][1]} |", "",
        f"Verified squared angle error {g(t['verified'])} (the surrogate claimed "
        f"{g(t['predicted'])}); the tuned point is {g(t['distance_to_truth'])} from the "
        f"forward-kinematics answer; {t['kernel_runs']} kernel runs to tune and verify (after "
        f"the {r['fine_tune']['kernel_runs']} used to fine-tune).", "",
        "![tuning](tune.png)", ""]


def _accelerate(r: dict) -> list[str]:
    a = r["accelerate"]
    s = a["setup"]
    verdict = ("mode `auto` would keep the exact function: the surrogate is not faster than "
               "Numba at any batch size for a kernel this cheap" if s["min_batch"] is None else
               f"the surrogate is faster from {s['min_batch']} inputs per call")
    return [
        "## (d) Accelerate: the surrogate behind its quality gate", "",
        f"`nsc_tune.accelerate` with the kernel's Numba translation as the exact function "
        f"(batch convention), bound |surrogate - exact| <= {a['max_error']} rad per output for "
        f"{a['target']:.0%} of accelerated inputs, `mode=\"always\"`. Set-up: {s['init']} init "
        f"fitted on {s['fit_kernel_runs']:,} kernel runs, gate trained and calibrated on "
        f"{s['gate_kernel_runs']:,} more ({s['seconds']:.1f} s).", "",
        "| | |", "|---|---|",
        f"| batch | {a['samples']:,} fresh inputs |",
        f"| accelerated | {a['share_accelerated']:.1%} |",
        "| routes | " + ", ".join(f"{k} {v:,}" for k, v in a["routes"].items()) + " |",
        "| over the bound (accelerated inputs) | " + (
            "no input accelerated" if a["over_bound_share"] is None
            else bound_verdict(a["over_bound_share"], a["target"])) + " |",
        f"| max abs error / bound | {g(a['max_error_ratio'])} |",
        f"| time, exact (Numba, parallel) | {a['exact_seconds'] * 1e3:.1f} ms |",
        f"| time, accelerated (gate + surrogate + fallbacks) | "
        f"{a['accelerated_seconds'] * 1e3:.1f} ms |",
        f"| speed vs exact | {a['speedup']:.3g}x |", "",
        f"Set-up timing: {s['speed']}; {verdict}. The surrogate pays off where the exact "
        "function is costly per input (see docs/accelerate.md).", "",
        "![error vs bound](accelerate.png)", ""]


def _agreement(r: dict) -> list[str]:
    rows = r["agreement"]
    n = rows[0]["samples"] if rows else 0
    return [
        "## (e) Ground truth: Numba vs gcc", "",
        f"Every suite kernel on {n:,} inputs from its domains, through the Numba translation "
        "and through gcc:", "",
        "| kernel | inputs | outputs | bitwise equal | max ulp | Numba rows/s | gcc rows/s | "
        "agree |", "|---|---|---|---|---|---|---|---|",
        *(f"| {x['kernel']} | {x['inputs']} | {x['outputs']} | {x['exact_share']:.4f} | "
          f"{x['max_ulps']:.0f} | {x['numba_rows_per_s']:,.0f} | {x['gcc_rows_per_s']:,.0f} | "
          f"{'yes' if x['agree'] else 'NO'} |" for x in rows), ""]


def write(result: dict, data: dict, out: str | Path) -> Path:
    """Write ``report.md`` and its plots into ``out``; returns the report's path.

    Arguments:
        result: the demo's facts (as printed with ``--json``).
        data: arrays for the plots, by step.
        out: the folder (created if needed).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    result["plots"] = write_plots(result, data, out)
    m = result["machine"]
    lines = [
        "# nsc_tune demo report", "",
        f"Kernel: `{result['kernel']}` {result['signature']}: {result['description']}. "
        f"Command: `{result['command']}`; {result['seconds']:.0f} s on {m['cpus']} CPU cores "
        f"({m['platform']}, Python {m['python']}, torch {m['torch']}).", ""]
    for key, section in (("zero_shot", _zero_shot), ("fine_tune", _fine_tune),
                         ("tune", _tune), ("accelerate", _accelerate),
                         ("agreement", _agreement)):
        if key in result:
            lines += section(result)
    path = out / "report.md"
    path.write_text("\n".join(lines))
    return path
