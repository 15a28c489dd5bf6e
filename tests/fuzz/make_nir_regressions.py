#!/usr/bin/python3
"""Writes the NIR reproducers tests/fuzz/nir/regress_*.nir: integer parameters so
large that nmsim's shape arithmetic overflowed int64 (undefined behaviour) or
converted an out-of-range double to int64. Each must now be an InputError
(tests/unit/test_robustness.cpp, ctest fuzz_replay_nir).

usage: /usr/bin/python3 tests/fuzz/make_nir_regressions.py tests/fuzz/nir
"""
import os
import sys

import h5py
import numpy as np

os.chdir(sys.argv[1])
def write(path, nodes, edges):
    with h5py.File(path, "w") as f:
        g = f.create_group("node"); g["type"] = np.bytes_("NIRGraph")
        ng = g.create_group("nodes")
        for name, (typ, params) in nodes.items():
            n = ng.create_group(name); n["type"] = np.bytes_(typ)
            for k, v in params.items(): n[k] = v
        g["edges"] = np.array([[a.encode(), b.encode()] for a, b in edges], dtype="S")
# 1: Input shape overflow
write("regress_input_shape_overflow.nir", {"input": ("Input", {"shape": np.array([1e12, 1e12])}), "output": ("Output", {})}, [("input","output")])
# 3: pooling padding huge
write("regress_pool_padding_2e62.nir", {"input": ("Input", {"shape": np.array([1,2,2])}),
  "pool": ("SumPool2d", {"kernel_size": np.array([1,1]), "stride": np.array([1,1]), "padding": np.array([2.0**62, 0])}),
  "output": ("Output", {})}, [("input","pool"),("pool","output")])
# 5: stride huge int64 cast 1e300
write("regress_conv_stride_1e300.nir", {"input": ("Input", {"shape": np.array([1,2,2])}),
  "conv": ("Conv2d", {"weight": np.ones((1,1,1,1)), "stride": np.array([1e300, 1])}),
  "output": ("Output", {})}, [("input","conv"),("conv","output")])
# 6: flatten start_dim huge
write("regress_flatten_start_1e300.nir", {"input": ("Input", {"shape": np.array([2,2])}),
  "flat": ("Flatten", {"start_dim": np.float64(1e300), "end_dim": np.int64(-1)}),
  "output": ("Output", {})}, [("input","flat"),("flat","output")])
# 7: groups huge
write("regress_conv_groups_2e63.nir", {"input": ("Input", {"shape": np.array([1,2,2])}),
  "conv": ("Conv2d", {"weight": np.ones((1,1,1,1)), "groups": np.float64(2.0**63)}),
  "output": ("Output", {})}, [("input","conv"),("conv","output")])
# 8: padding 2^62 conv
write("regress_conv_padding_2e62.nir", {"input": ("Input", {"shape": np.array([1,2,2])}),
  "conv": ("Conv2d", {"weight": np.ones((1,1,1,1)), "padding": np.array([2.0**62, 2.0**62])}),
  "output": ("Output", {})}, [("input","conv"),("conv","output")])

write("regress_flatten_input_type_1e300.nir", {"input": ("Input", {"shape": np.array([2,2])}),
  "flat": ("Flatten", {"start_dim": np.int64(0), "end_dim": np.int64(-1), "input_type": np.array([1e300, 2.0])}),
  "output": ("Output", {})}, [("input","flat"),("flat","output")])
write("regress_conv_input_shape_nan.nir", {"input": ("Input", {"shape": np.array([1,2,2])}),
  "conv": ("Conv2d", {"weight": np.ones((1,1,1,1)), "input_shape": np.array([np.nan, 2.0])}),
  "output": ("Output", {})}, [("input","conv"),("conv","output")])
