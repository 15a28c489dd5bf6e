// The ANN side of a run: the ReLU twin's activations on the run's samples and
// `nmsim run --only ann`, which prices the network on the ANN accelerator
// alone — the NIR file is read without its synapses, nothing is mapped and no
// chip is simulated, so large networks (AlexNet) run in seconds.
#pragma once

#include <cstdint>
#include <vector>

#include "hw_models/ann_accelerator.h"
#include "sim/inputs.h"
#include "sim/run.h"

namespace nmsim {

// At most this many of the run's samples feed the ReLU twin (kept cheap).
inline constexpr int64_t kTwinSamples = 200;

// The first min(samples, max) samples as the ANN sees them: each the mean of
// its timesteps (a direct-encoded image is the image itself).
std::vector<std::vector<float>> twin_samples(const InputSet& inputs, int64_t max);

// ann_layers_from(net) with activations measured on the run's samples.
std::vector<AnnLayer> measured_ann_layers(const Network& net, const InputSet& inputs,
                                          const AnnAcceleratorParams& p);

// `nmsim run --only ann`: writes opts.out with run.json (summary.ann, ann_config,
// ann_layers; no SNN figures) and prints a per-layer table unless quiet.
void run_ann_only(const RunOptions& opts);

}  // namespace nmsim
