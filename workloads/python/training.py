#!/usr/bin/python3
"""Training loops, evaluation of the deployed (folded) SNN, and the run set-up shared by
train.py and seed_study.py."""
import ctypes
import time

import numpy as np
import torch
import torch.nn.functional as F

import fmnist
import rmp
from model import DEFAULT_CHANNELS, STRIDES, FMnistNet, folded_forward, folded_params


def setup_runtime(threads=2):
    """Thread count and allocator settings for CPU training.

    glibc serves allocations above 32 MiB with fresh mmaps, so large first-layer tensors
    ([T, B, C, 28, 28]: 51 MB at T=4, B=128, C=32) page-fault on every step (measured
    4x slower). Keeping all allocations on the heap avoids that.
    """
    torch.set_num_threads(threads)
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-4, 0)          # M_MMAP_MAX = 0: no mmap'd chunks
        libc.mallopt(-1, 1 << 30)    # M_TRIM_THRESHOLD: keep freed memory for reuse
    except OSError:
        pass  # not glibc: only slower


def load_data(data_dir, train_subset=0, test_subset=0, seed=0):
    """uint8 images and int64 labels as tensors; optional seeded subsets for quick runs."""
    xtr, ytr = fmnist.load("train", data_dir)
    xte, yte = fmnist.load("test", data_dir)
    if train_subset:
        idx = np.random.default_rng(seed).permutation(len(xtr))[:train_subset]
        xtr, ytr = xtr[idx], ytr[idx]
    if test_subset:  # the first N, so the reference images 0..99 stay included
        xte, yte = xte[:test_subset], yte[:test_subset]
    t = lambda a: torch.from_numpy(np.array(a))  # writable copy
    return t(xtr), t(ytr), t(xte), t(yte)


def to_input(images_u8):
    """Direct encoding: pixel/255, shape [B, 1, 28, 28]; no other normalisation."""
    return images_u8.unsqueeze(1).to(torch.float32) / 255.0


def train(net, xtr, ytr, epochs, batch_size=128, lr=2e-3, rmp_lambda=0.0,
          rmp_schedule="constant", hflip=True, seed=0, log=print):
    """Adam with cosine learning-rate decay; loss = CE + lambda(progress) * L_RMP."""
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    steps_per_epoch = (len(xtr) + batch_size - 1) // batch_size
    total = epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(total, 1))
    step, start = 0, time.time()
    for epoch in range(epochs):
        net.train()
        perm = torch.randperm(len(xtr), generator=gen)
        sums = {"loss": 0.0, "ce": 0.0, "rmp": 0.0, "correct": 0, "n": 0}
        for b in range(steps_per_epoch):
            idx = perm[b * batch_size:(b + 1) * batch_size]
            x, y = to_input(xtr[idx]), ytr[idx]
            if hflip:  # Fashion-MNIST classes are mirror-symmetric
                flip = torch.rand(len(idx), generator=gen) < 0.5
                x[flip] = x[flip].flip(-1)
            logits, potentials, spikes = net(x)
            ce = F.cross_entropy(logits, y)
            loss, reg = ce, torch.zeros(())
            lam = rmp.rmp_lambda(rmp_lambda, rmp_schedule, step / max(total - 1, 1))
            if net.spiking and rmp_lambda > 0:
                reg = rmp.rmp_loss(potentials, spikes)
                loss = ce + lam * reg
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            n = len(idx)
            sums["loss"] += loss.item() * n
            sums["ce"] += ce.item() * n
            sums["rmp"] += reg.item() * n
            sums["correct"] += (logits.argmax(1) == y).sum().item()
            sums["n"] += n
        n = sums["n"]
        log(f"epoch {epoch + 1}/{epochs}: loss {sums['loss'] / n:.4f} ce {sums['ce'] / n:.4f} "
            f"rmp {sums['rmp'] / n:.4f} train_acc {sums['correct'] / n:.4f} "
            f"elapsed {time.time() - start:.0f}s")
    return time.time() - start


@torch.no_grad()
def ann_accuracy(net, xte, yte, batch_size=1000):
    net.eval()
    correct = 0
    for b in range(0, len(xte), batch_size):
        logits, _, _ = net(to_input(xte[b:b + batch_size]))
        correct += (logits.argmax(1) == yte[b:b + batch_size]).sum().item()
    return correct / len(xte)


@torch.no_grad()
def evaluate_deployed(params, xte, yte, batch_size=500, timesteps=None):
    """Accuracy, per-layer firing rate (spikes per neuron per timestep) and per-layer
    quantization error (mean (u - o)^2) of the folded float32 SNN on a test set."""
    T = timesteps or params["timesteps"]
    L = len(params["convs"])
    sizes = np.array(layer_sizes(params), dtype=np.float64)
    correct, qerr, ssum = 0, np.zeros(L), np.zeros(L)
    for b in range(0, len(xte), batch_size):
        x = to_input(xte[b:b + batch_size])
        r = folded_forward(params, x, T)
        correct += (r["output_sum"].argmax(1) == yte[b:b + batch_size]).sum().item()
        qerr += r["quant_err_sum"].numpy()
        ssum += r["spike_sum"].numpy()
    elems = sizes * len(xte) * T
    return {"accuracy": correct / len(xte),
            "firing_rate_per_layer": (ssum / elems).tolist(),
            "quantization_error_per_layer": (qerr / elems).tolist()}


def layer_sizes(params, image_hw=(28, 28)):
    """Neurons per spiking layer (C*H*W)."""
    h, w = image_hw
    sizes = []
    for layer in params["convs"]:
        k, s, p = layer["weight"].shape[2], layer["stride"], layer["padding"]
        h, w = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
        sizes.append(int(layer["weight"].shape[0]) * h * w)
    return sizes


@torch.no_grad()
def reference_outputs(params, xte, yte, count=100):
    """Reference for the simulator's equivalence tests on test images 0..count-1."""
    r = folded_forward(params, to_input(xte[:count]))
    return {
        "indices": np.arange(count, dtype=np.int64),
        "labels": yte[:count].numpy().astype(np.int64),
        "layer_names": np.array([f"lif{i + 1}" for i in range(len(params["convs"]))]),
        "spikes_per_step": r["spike_counts"].numpy().astype(np.int64),
        "output_sum": r["output_sum"].numpy().astype(np.float32),
        "pred": r["output_sum"].argmax(1).numpy().astype(np.int64),
    }


def make_net(spiking, timesteps, beta, theta, seed, channels=DEFAULT_CHANNELS):
    torch.manual_seed(seed)
    return FMnistNet(convs=tuple(zip(channels, STRIDES)), spiking=spiking,
                     timesteps=timesteps, beta=beta, theta=theta)

