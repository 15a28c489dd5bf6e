#!/usr/bin/python3
"""Train the Fashion-MNIST SNN (optionally with RMP-Loss) and its ReLU ANN twin, then
export the deployed SNN: <out>.nir, <out>.json and <out>_ref100.npz.

Example: /usr/bin/python3 workloads/python/train.py --out workloads/models/fmnist_snn_t4
"""
import argparse
import json
import os
import platform
import sys
import time

# Idle OpenMP threads must sleep, not spin: with other processes on the same cores a
# spinning team is 5-20x slower (measured). libgomp reads this when torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fmnist  # noqa: E402
import nir_export  # noqa: E402
import rmp  # noqa: E402
import training  # noqa: E402
from model import DEFAULT_CHANNELS, STRIDES  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True,
                   help="output prefix; writes <out>.nir, <out>.json, <out>_ref100.npz")
    p.add_argument("--timesteps", "-T", type=int, default=4)
    p.add_argument("--epochs", type=int, default=10, help="SNN training epochs")
    p.add_argument("--ann-epochs", type=int, default=None,
                   help="ANN twin epochs (default: same as --epochs; 0 skips the twin)")
    p.add_argument("--ann-twin-from", metavar="JSON",
                   help="reuse ann_twin_accuracy from another model's json instead of "
                        "training the twin again (its seed and training settings must match)")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--channels", type=int, nargs=3, default=list(DEFAULT_CHANNELS),
                   metavar=("C1", "C2", "C3"),
                   help="output channels of conv1..conv3 (strides 1, 2, 2)")
    p.add_argument("--beta", type=float, default=0.5, help="membrane decay per timestep")
    p.add_argument("--theta", type=float, default=0.5, help="firing threshold")
    p.add_argument("--rmp-lambda", type=float, default=0.0, help="RMP-Loss weight (0 = off)")
    p.add_argument("--rmp-schedule", default="constant", choices=rmp.SCHEDULES)
    p.add_argument("--no-hflip", action="store_true", help="disable horizontal-flip augmentation")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dt", type=float, default=1e-3, help="NIR time step [s]")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--train-subset", type=int, default=0,
                   help="train on N random training images (0 = all 60,000)")
    p.add_argument("--test-subset", type=int, default=0,
                   help="evaluate on the first N test images (0 = all 10,000; must be >= 100)")
    p.add_argument("--data-dir", default=fmnist.DEFAULT_DIR)
    args = p.parse_args(argv)
    if min(args.channels) < 1:
        p.error("--channels must all be at least 1")
    if args.ann_epochs is None:
        args.ann_epochs = args.epochs
    checks = [
        (args.timesteps >= 1, "--timesteps must be at least 1"),
        (args.epochs >= 1, "--epochs must be at least 1"),
        (args.ann_epochs >= 0, "--ann-epochs must be 0 (skip) or more"),
        (args.batch_size >= 1, "--batch-size must be at least 1"),
        (args.lr > 0, "--lr must be positive"),
        (0.0 <= args.beta < 1.0, "--beta must be in [0, 1) (1 would need an infinite NIR tau)"),
        (args.theta > 0, "--theta must be positive"),
        (args.rmp_lambda >= 0, "--rmp-lambda must be 0 (off) or positive"),
        (args.dt > 0, "--dt must be positive (seconds)"),
        (args.threads >= 1, "--threads must be at least 1"),
        (args.train_subset >= 0, "--train-subset must be 0 (all) or a positive count"),
        (args.test_subset == 0 or args.test_subset >= 100,
         "--test-subset must be 0 (all) or at least 100 (the reference images)"),
    ]
    for ok, msg in checks:
        if not ok:
            p.error(msg)
    out_dir = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(out_dir):
        p.error(f"--out: directory {out_dir} does not exist")
    return args


# Settings that determine the ANN twin; the RMP options do not.
_ANN_KEYS = ("seed", "ann_epochs", "batch_size", "lr", "hflip", "train_images",
             "test_images", "channels")


def reuse_ann_twin(args, train_images, test_images):
    """ANN twin accuracy of a model trained with the same twin settings (the twin's
    training is deterministic, so retraining would give the same number)."""
    with open(args.ann_twin_from) as f:
        other = json.load(f)
    mine = {"seed": args.seed, "ann_epochs": args.ann_epochs, "batch_size": args.batch_size,
            "lr": args.lr, "hflip": not args.no_hflip, "train_images": train_images,
            "test_images": test_images, "channels": list(args.channels)}
    other.setdefault("channels", [a["out_channels"] for a in other.get("architecture", [])])
    diff = [k for k in _ANN_KEYS if other.get(k) != mine[k]]
    if diff or other.get("ann_twin_accuracy") is None:
        sys.exit(f"--ann-twin-from {args.ann_twin_from}: cannot reuse its ANN twin, "
                 f"settings differ in {diff or 'ann_twin_accuracy missing'}; "
                 "drop the flag to train the twin")
    return other["ann_twin_accuracy"], other.get("ann_train_seconds")


def main(argv=None):
    args = parse_args(argv)
    training.setup_runtime(args.threads)
    log = lambda msg: print(msg, flush=True)
    xtr, ytr, xte, yte = training.load_data(args.data_dir, args.train_subset,
                                            args.test_subset, args.seed)
    log(f"data: {len(xtr)} train, {len(xte)} test images")

    ann_acc, ann_seconds = None, None
    if args.ann_twin_from:
        ann_acc, ann_seconds = reuse_ann_twin(args, len(xtr), len(xte))
        log(f"ann twin test accuracy {ann_acc:.4f} (from {args.ann_twin_from})")
    elif args.ann_epochs:
        ann = training.make_net(False, args.timesteps, args.beta, args.theta, args.seed,
                                args.channels)
        ann_seconds = training.train(ann, xtr, ytr, args.ann_epochs, args.batch_size, args.lr,
                                     hflip=not args.no_hflip, seed=args.seed,
                                     log=lambda m: log("ann " + m))
        ann_acc = training.ann_accuracy(ann, xte, yte)
        log(f"ann twin test accuracy {ann_acc:.4f}")

    snn = training.make_net(True, args.timesteps, args.beta, args.theta, args.seed,
                                 args.channels)
    train_seconds = training.train(snn, xtr, ytr, args.epochs, args.batch_size, args.lr,
                                   args.rmp_lambda, args.rmp_schedule,
                                   hflip=not args.no_hflip, seed=args.seed,
                                   log=lambda m: log("snn " + m))
    snn.eval()
    params = training.folded_params(snn)
    t0 = time.time()
    stats = training.evaluate_deployed(params, xte, yte)
    log(f"snn test accuracy {stats['accuracy']:.4f} (deployed network, folded BN), "
        f"firing rates {np.round(stats['firing_rate_per_layer'], 4).tolist()}, "
        f"quantization errors {np.round(stats['quantization_error_per_layer'], 4).tolist()}")
    eval_seconds = time.time() - t0

    nodes, _ = nir_export.write_nir(args.out + ".nir", params, args.dt)
    ref = training.reference_outputs(params, xte, yte)
    np.savez(args.out + "_ref100.npz", **ref)
    lif = nodes["lif1"]
    sizes = training.layer_sizes(params)
    meta = {
        "accuracy": stats["accuracy"],
        "test_images": len(xte),
        "timesteps": args.timesteps,
        "dt": args.dt,
        "theta": args.theta,
        "beta": args.beta,
        "nir_lif": {"tau": float(lif["tau"].flat[0]), "r": float(lif["r"].flat[0]),
                    "v_leak": 0.0, "v_reset": 0.0, "v_threshold": args.theta},
        "rmp_lambda": args.rmp_lambda,
        "rmp_schedule": args.rmp_schedule,
        "seed": args.seed,
        "epochs": args.epochs,
        "ann_epochs": args.ann_epochs,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "hflip": not args.no_hflip,
        "train_images": len(xtr),
        "channels": list(args.channels),
        "train_seconds": round(train_seconds, 1),
        "ann_train_seconds": None if ann_seconds is None else round(ann_seconds, 1),
        "eval_seconds": round(eval_seconds, 1),
        "threads": args.threads,
        "firing_rate_per_layer": stats["firing_rate_per_layer"],
        "quantization_error_per_layer": stats["quantization_error_per_layer"],
        "ann_twin_accuracy": ann_acc,
        "ann_twin_from": args.ann_twin_from,
        "layer_names": [f"lif{i + 1}" for i in range(len(sizes))],
        "neurons_per_layer": sizes,
        "architecture": [{"out_channels": c, "kernel": 3, "stride": s, "padding": 1}
                         for c, s in zip(args.channels, STRIDES)],
        "reference": os.path.basename(args.out) + "_ref100.npz",
        "torch": torch.__version__,
        "python": platform.python_version(),
    }
    with open(args.out + ".json", "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    log(f"wrote {args.out}.nir, {args.out}.json, {args.out}_ref100.npz")
    return meta


if __name__ == "__main__":
    main()
