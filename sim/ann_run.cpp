#include "sim/ann_run.h"

#include "sim/isolate.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "workloads/errors.h"
#include "workloads/nir_reader.h"

namespace nmsim {
namespace fs = std::filesystem;

std::vector<std::vector<float>> twin_samples(const InputSet& inputs, int64_t max) {
  std::vector<std::vector<float>> out;
  const int64_t n = std::min(inputs.samples(), max);
  const int T = inputs.timesteps();
  for (int64_t s = 0; s < n; ++s) {
    std::vector<float> x;
    for (int t = 0; t < T; ++t) {
      const auto v = inputs.step(inputs.first() + s, t);
      if (x.empty()) x.assign(v.size(), 0.0f);
      for (size_t i = 0; i < v.size(); ++i) x[i] += v[i] / float(T);
    }
    out.push_back(std::move(x));
  }
  return out;
}

std::vector<AnnLayer> measured_ann_layers(const Network& net, const InputSet& inputs,
                                          const AnnAcceleratorParams& p) {
  std::vector<AnnLayer> layers = ann_layers_from(net);
  measure_activations(net, twin_samples(inputs, kTwinSamples),
                      static_cast<int>(p.element_bytes * 8), layers);
  return layers;
}

void run_ann_only(const RunOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  if (o.out.empty()) throw InputError("--out: an output directory is required");
  NirReadOptions ro;
  ro.synapses = false;
  const Network net = read_nir_isolated(o.model, ro);
  const AnnAcceleratorParams params = load_ann_accelerator(o.ann_hw, o.ann_overrides);
  InputSet inputs = InputSet::open(o, net, o.timesteps_given);
  std::vector<AnnLayer> layers = measured_ann_layers(net, inputs, params);
  const AnnAccelerator acc(params);
  const AnnResult r = acc.run(layers);
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const fs::path out(o.out), partial = o.out + ".partial";
  fs::remove_all(partial);
  fs::create_directories(partial);
  nlohmann::ordered_json j;
  j["command"] = o.command_line;
  j["only"] = "ann";
  j["model"] = o.model;
  j["ann_hw"] = o.ann_hw;
  j["samples"] = inputs.samples();
  j["twin_samples"] = std::min(inputs.samples(), kTwinSamples);
  nlohmann::ordered_json a;
  a["accelerator"] = params.name;
  a["process_node"] = params.process_node;
  a["datatype"] = params.datatype;
  a["batch"] = r.batch;
  a["energy_j_per_sample"] = r.energy_per_sample_j();
  a["latency_s_per_sample"] = r.latency_per_sample_s();
  a["frames_per_s"] = r.total.latency_s > 0 ? double(r.batch) / r.total.latency_s : 0.0;
  a["macs_per_sample"] = r.total.macs / uint64_t(r.batch);
  a["dram_bytes_per_sample"] = r.total.dram_bytes() / double(r.batch);
  a["power_w"] = r.total.latency_s > 0 ? r.total.energy_total_j() / r.total.latency_s : 0.0;
  j["summary"] = {{"ann", a}, {"snn", nullptr}};
  j["ann_config"] = nlohmann::ordered_json::parse(params.to_json().dump());
  j["ann_layers"] = nlohmann::ordered_json::parse(r.to_json().dump());
  j["wall_s"] = wall_s;
  {
    std::ofstream os(partial / "run.json");
    os << j.dump(2) << "\n";
    if (!os) throw std::runtime_error("cannot write " + (partial / "run.json").string());
  }
  fs::remove_all(out);
  fs::rename(partial, out);

  if (o.quiet) return;
  std::printf("%s on %s (%s, %s, batch %lld), ANN only\n", net.source.c_str(), params.name.c_str(),
              params.process_node.c_str(), params.datatype.c_str(),
              static_cast<long long>(r.batch));
  std::printf("%-12s %10s %10s %8s %10s %12s %9s  %s\n", "layer", "MMACs", "latency", "util",
              "energy", "DRAM acc.", "zeros in", "mapping (dataflow, order, GLB tile NMCP)");
  auto row = [&](const AnnLayerResult& x) {
    char zero[16] = "-";
    if (x.input_zero_fraction >= 0)
      std::snprintf(zero, sizeof zero, "%.1f%%", 100 * x.input_zero_fraction);
    std::string m = "-";
    if (!x.mapping.dataflow.empty())
      m = x.mapping.dataflow + " " + x.mapping.order + " " + std::to_string(x.mapping.n1) + "/" +
          std::to_string(x.mapping.m1) + "/" + std::to_string(x.mapping.c1) + "/" +
          std::to_string(x.mapping.p1);
    std::printf(
        "%-12s %10.1f %8.2fms %7.0f%% %8.3fmJ %12llu %9s  %s\n", x.name.c_str(),
        double(x.macs) / 1e6, x.latency_s * 1e3, 100 * x.utilisation, x.energy_total_j() * 1e3,
        static_cast<unsigned long long>(
            x.counts.count("dram_read") ? x.counts.at("dram_read") + x.counts.at("dram_write") : 0),
        zero, m.c_str());
  };
  for (const auto& x : r.layers) row(x);
  row(r.total);
  std::printf("per image: %.3g J, %.3g s; %.1f frames/s; %.0f mW\n", r.energy_per_sample_j(),
              r.latency_per_sample_s(), double(r.batch) / r.total.latency_s,
              1e3 * r.total.energy_total_j() / r.total.latency_s);
}

}  // namespace nmsim
