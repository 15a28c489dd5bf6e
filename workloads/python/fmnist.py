#!/usr/bin/python3
"""Fashion-MNIST loader for the gzipped IDX files of Debian's dataset-fashion-mnist."""
import gzip
import os
import struct

import numpy as np

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"
_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
# IDX type code 0x08 = unsigned byte, the only one Fashion-MNIST uses.
_UBYTE = 0x08


def read_idx(path):
    """Read one IDX file (gzipped or plain) into a uint8 array of its stored shape."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path}: not an IDX file (bad magic)")
    dtype, ndim = data[2], data[3]
    if dtype != _UBYTE:
        raise ValueError(f"{path}: IDX type 0x{dtype:02x} unsupported, only unsigned bytes")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise ValueError(f"{path}: expected {int(np.prod(dims))} values for shape {dims}, "
                         f"found {body.size} (truncated file?)")
    return body.reshape(dims)


def load(split, data_dir=DEFAULT_DIR):
    """Return (images uint8 [N,28,28], labels int64 [N]) for split 'train' or 'test'."""
    if split not in _FILES:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    img_name, lbl_name = _FILES[split]
    img_path, lbl_path = os.path.join(data_dir, img_name), os.path.join(data_dir, lbl_name)
    for p in (img_path, lbl_path):
        if not os.path.exists(p):
            raise FileNotFoundError(
                f"{p} missing: install Debian's dataset-fashion-mnist or pass --data-dir")
    images, labels = read_idx(img_path), read_idx(lbl_path)
    if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise ValueError(f"{data_dir}: image/label shapes {images.shape}/{labels.shape} disagree")
    return images, labels.astype(np.int64)
