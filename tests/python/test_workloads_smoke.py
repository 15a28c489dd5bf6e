#!/usr/bin/python3
"""A short training run on a small subset exports a valid NIR file whose read-back
simulation matches the PyTorch forward pass spike-for-spike."""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "workloads", "python"))
import fmnist  # noqa: E402
import train  # noqa: E402
from test_workloads_nir import JSON_KEYS, NPZ_KEYS, check_reproduces, load_ref  # noqa: E402


def test_smoke_training_exports_valid_files(tmp_path):
    prefix = str(tmp_path / "smoke")
    meta = train.main(["--out", prefix, "--epochs", "1", "--ann-epochs", "1",
                       "--train-subset", "3000", "--test-subset", "500",
                       "--rmp-lambda", "0.5", "--rmp-schedule", "linear", "--seed", "3"])
    on_disk, ref = load_ref(prefix)
    assert on_disk == json.loads(json.dumps(meta))
    assert JSON_KEYS <= set(meta) and set(ref) == NPZ_KEYS
    assert meta["test_images"] == 500 and meta["train_images"] == 3000
    # Far from trained, yet well above chance (10 %) after 24 steps.
    assert meta["accuracy"] > 0.2 and meta["ann_twin_accuracy"] > 0.2
    assert all(0 < r < 1 for r in meta["firing_rate_per_layer"])
    images, labels = fmnist.load("test")
    assert np.array_equal(ref["labels"], labels[:100])
    x = torch.from_numpy(images[:100].copy()).unsqueeze(1).float() / 255.0
    check_reproduces(prefix + ".nir", meta, ref, x)


def test_ann_twin_reuse_refuses_other_settings(tmp_path):
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"seed": 0, "ann_epochs": 8, "batch_size": 128, "lr": 2e-3,
                                 "hflip": True, "train_images": 60000, "test_images": 10000,
                                 "channels": [16, 32, 64], "ann_twin_accuracy": 0.9}))
    try:
        train.main(["--out", str(tmp_path / "x"), "--epochs", "1", "--seed", "1",
                    "--ann-twin-from", str(other)])
    except SystemExit as e:
        assert "settings differ in ['seed', 'ann_epochs']" in str(e)
    else:
        raise AssertionError("a twin trained with other settings was reused")
