// Reads a NIR graph (neuromorphs/NIR, HDF5) and compiles it into the Network IR.
//
//   Network net = read_nir("model.nir");   // throws InputError on bad input
//
// What the reader accepts and how it compiles (see workloads/network.h for the IR):
//  - File layout: root dataset `version`; group `node` with `type` = "NIRGraph",
//    `node/nodes/<name>/` (a `type` dataset plus one dataset per parameter) and
//    `node/edges` (E, 2) strings. Numbers may be any integer or float dtype, scalar
//    or array; strings fixed- or variable-length.
//  - Nested NIRGraph nodes are flattened: their nodes get dotted names ("lif1.lif")
//    and their own Input/Output nodes become pass-throughs. An edge may name a node
//    inside a subgraph ("sub.input") or the subgraph itself ("sub": its Input nodes
//    as a destination, its Output nodes as a source).
//  - Node types: Input, Output, Affine, Linear, Scale, Conv1d, Conv2d, Flatten,
//    SumPool2d, AvgPool2d (zero padding counted in the average, as PyTorch's default),
//    IF, LIF, LI, CubaLIF, I, Threshold. Anything else is an error.
//  - Several edges into one node are summed. Shapes are inferred along the graph
//    from the Input's `shape`; each node's own shape information (conv `input_shape`,
//    Flatten `input_type`, neuron parameter shapes, Output `shape`) is checked
//    against it. Scalar neuron parameters are broadcast to the node's shape.
//  - Recurrence: a depth-first walk from the Input, following edges in file order,
//    marks every edge that closes a cycle as a back edge. A projection whose path
//    crosses a back edge gets `Projection::delay = 1` (spikes of t-1 arrive at t),
//    which is how PyTorch-style recurrent SNNs evaluate. A cycle made only of linear
//    nodes has no such reading and is an error.
//  - Per (source population, destination population, delay) one Projection: the sum
//    over all linear paths between them, every kernel tap a synapse (zero weights
//    included). Biases of linear nodes are pushed through the rest of the path into
//    `Projection::bias`. A direct edge between two populations is an identity
//    projection (weights 1), named "<src>-><dst>".
//  - Output: fed only by one population directly -> no population, `Network::output`
//    is that population; otherwise an Output-model population.
//  - Cost of the same network on a conventional accelerator, per projection:
//    dense_macs = conv cout*Hout*Wout*(cin/groups)*kh*kw, affine lead*in*out, scale
//    numel; pooling is counted separately in `pool_ops` (window adds) and not as MACs;
//    weight_params = weights + biases (when the node has a bias dataset) + scales.
//    A linear node shared by several projections is counted in the first only.
#pragma once

#include <cstddef>
#include <string>

#include "workloads/network.h"

namespace nmsim {

struct NirReadOptions {
  // false: skip the explicit synapses (row_ptr and synapses stay empty); the
  // projections keep their counts, biases and linear operators (`paths`), which
  // is all the ANN accelerator needs (nmsim run --only ann).
  bool synapses = true;
};

Network read_nir(const std::string& path, const NirReadOptions& options = {});

// The same from an HDF5 file image in memory (as read from a .nir file); `name`
// labels messages. For tests and the fuzz harnesses.
Network read_nir_image(const void* data, size_t size, const std::string& name,
                       const NirReadOptions& options = {});

}  // namespace nmsim
