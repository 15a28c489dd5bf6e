#!/usr/bin/python3
"""Seed study: ANN twin, SNN and SNN + RMP-Loss at several T over several seeds, with
short training runs. Writes <out>.json (every run; re-running skips runs already in it)
and <out>.md (the mean/spread table for the README).

Example: /usr/bin/python3 workloads/python/seed_study.py --out workloads/models/seed_study
"""
import argparse
import json
import os
import statistics
import sys

# Idle OpenMP threads must sleep, not spin: with other processes on the same cores a
# spinning team is 5-20x slower (measured). libgomp reads this when torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fmnist  # noqa: E402
import rmp  # noqa: E402
import training  # noqa: E402
from model import DEFAULT_CHANNELS  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="output prefix for <out>.json and <out>.md")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--timesteps", type=int, nargs="+", default=[2, 4])
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--rmp-lambda", type=float, default=0.5)
    p.add_argument("--rmp-schedule", default="constant", choices=rmp.SCHEDULES)
    p.add_argument("--channels", type=int, nargs=3, default=list(DEFAULT_CHANNELS),
                   metavar=("C1", "C2", "C3"),
                   help="output channels of conv1..conv3 (strides 1, 2, 2)")
    p.add_argument("--beta", type=float, default=0.5)
    p.add_argument("--theta", type=float, default=0.5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--train-subset", type=int, default=0)
    p.add_argument("--data-dir", default=fmnist.DEFAULT_DIR)
    args = p.parse_args(argv)
    if min(args.channels) < 1:
        p.error("--channels must all be at least 1")
    if len(args.seeds) < 1 or args.epochs < 1 or args.rmp_lambda <= 0:
        p.error("need at least one seed, --epochs >= 1 and --rmp-lambda > 0")
    if any(t < 1 for t in args.timesteps):
        p.error("--timesteps values must be at least 1")
    return args


def run_key(kind, T, seed):
    return f"{kind}/T{T}/seed{seed}" if kind != "ann" else f"ann/seed{seed}"


def table(runs, args):
    """Markdown: accuracy mean ± sample std (min-max) and per-layer statistics."""
    def fmt(values, scale=100, digits=2):
        values = [v * scale for v in values]
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        return (f"{statistics.mean(values):.{digits}f} ± {sd:.{digits}f} "
                f"({min(values):.{digits}f}-{max(values):.{digits}f})")

    def layers(rs, key):
        per_layer = zip(*[r[key] for r in rs])
        return " / ".join(f"{statistics.mean(v):.3f}" for v in per_layer)

    lines = [f"| model | T | test accuracy % (mean ± std, min-max, n={len(args.seeds)}) "
             "| quantization error per layer | firing rate per layer | train s (mean) |",
             "|---|---|---|---|---|---|"]
    anns = [runs[run_key("ann", 0, s)] for s in args.seeds]
    lines.append(f"| ANN twin | - | {fmt([r['accuracy'] for r in anns])} | - | - | "
                 f"{statistics.mean(r['train_seconds'] for r in anns):.0f} |")
    for T in args.timesteps:
        for kind, label in (("snn", "SNN"), ("rmp", f"SNN + RMP (λ={args.rmp_lambda:g})")):
            rs = [runs[run_key(kind, T, s)] for s in args.seeds]
            lines.append(
                f"| {label} | {T} | {fmt([r['accuracy'] for r in rs])} "
                f"| {layers(rs, 'quantization_error_per_layer')} "
                f"| {layers(rs, 'firing_rate_per_layer')} "
                f"| {statistics.mean(r['train_seconds'] for r in rs):.0f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    args = parse_args(argv)
    training.setup_runtime(args.threads)
    log = lambda msg: print(msg, flush=True)
    runs = {}
    if os.path.exists(args.out + ".json"):
        with open(args.out + ".json") as f:
            runs = json.load(f)["runs"]
    xtr, ytr, xte, yte = training.load_data(args.data_dir, args.train_subset)

    def save():
        with open(args.out + ".json", "w") as f:
            json.dump({"settings": vars(args), "runs": runs}, f, indent=1)
            f.write("\n")

    for seed in args.seeds:
        key = run_key("ann", 0, seed)
        if key not in runs:
            net = training.make_net(False, 1, args.beta, args.theta, seed, args.channels)
            secs = training.train(net, xtr, ytr, args.epochs, seed=seed,
                                  log=lambda m: log(f"{key} {m}"))
            runs[key] = {"accuracy": training.ann_accuracy(net, xte, yte),
                         "train_seconds": round(secs, 1)}
            log(f"{key}: {runs[key]}")
            save()
        for T in args.timesteps:
            for kind, lam in (("snn", 0.0), ("rmp", args.rmp_lambda)):
                key = run_key(kind, T, seed)
                if key in runs:
                    continue
                net = training.make_net(True, T, args.beta, args.theta, seed, args.channels)
                secs = training.train(net, xtr, ytr, args.epochs, rmp_lambda=lam,
                                      rmp_schedule=args.rmp_schedule, seed=seed,
                                      log=lambda m: log(f"{key} {m}"))
                net.eval()
                stats = training.evaluate_deployed(training.folded_params(net), xte, yte)
                runs[key] = {**stats, "train_seconds": round(secs, 1), "rmp_lambda": lam}
                log(f"{key}: {runs[key]}")
                save()
    md = table(runs, args)
    with open(args.out + ".md", "w") as f:
        f.write(f"Seed study: {args.epochs} training epoch(s) on {len(xtr)} training images "
                f"per run (shorter than the shipped models), seeds {args.seeds}, "
                f"RMP schedule {args.rmp_schedule}; accuracy of the deployed network on "
                f"all {len(xte)} test images.\n\n" + md)
    print(md)


if __name__ == "__main__":
    main()
