#include "sim/results.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/inputs.h"
#include "workloads/errors.h"

namespace nmsim {
namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

// Names, sources and paths come from the user's files and need not be UTF-8:
// JSON output replaces invalid bytes (U+FFFD) instead of throwing at the end of a run.
template <class J>
std::string dump(const J& j, int indent = -1) {
  return j.dump(indent, ' ', false, ojson::error_handler_t::replace);
}

// ------------------------------------------------------------------ ShardResult

void ShardResult::init(size_t n_cores, int64_t n_outputs, int T, int64_t n_samples) {
  count = n_samples;
  timesteps = T;
  outputs = n_outputs;
  cores.assign(n_cores, CoreCounters{});
  steps.assign(T, CoreCounters{});
  step_latency_s.assign(n_samples * T, 0.0);
  output_sum.assign(n_samples * n_outputs, 0.0f);
}

namespace {
template <class T>
void put(std::ostream& os, const std::vector<T>& v) {
  const uint64_t n = v.size();
  os.write(reinterpret_cast<const char*>(&n), sizeof n);
  os.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(n * sizeof(T)));
}
template <class T>
void get(std::istream& is, std::vector<T>& v) {
  uint64_t n = 0;
  is.read(reinterpret_cast<char*>(&n), sizeof n);
  v.resize(n);
  is.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n * sizeof(T)));
}
}  // namespace

void ShardResult::save(const fs::path& p) const {
  std::ofstream os(p, std::ios::binary);
  const int64_t head[4] = {first, count, timesteps, outputs};
  os.write(reinterpret_cast<const char*>(head), sizeof head);
  put(os, cores);
  put(os, steps);
  put(os, step_latency_s);
  put(os, output_sum);
  if (!os) throw std::runtime_error("cannot write " + p.string());
}

void ShardResult::load(const fs::path& p) {
  std::ifstream is(p, std::ios::binary);
  int64_t head[4];
  is.read(reinterpret_cast<char*>(head), sizeof head);
  first = head[0];
  count = head[1];
  timesteps = static_cast<int>(head[2]);
  outputs = head[3];
  get(is, cores);
  get(is, steps);
  get(is, step_latency_s);
  get(is, output_sum);
  if (!is) throw std::runtime_error("cannot read worker result " + p.string());
}

ShardResult ShardResult::merge(const std::vector<ShardResult>& shards) {
  ShardResult m = shards.front();
  for (size_t k = 1; k < shards.size(); ++k) {
    const ShardResult& s = shards[k];
    for (size_t c = 0; c < m.cores.size(); ++c) m.cores[c] += s.cores[c];
    for (size_t t = 0; t < m.steps.size(); ++t) m.steps[t] += s.steps[t];
    m.step_latency_s.insert(m.step_latency_s.end(), s.step_latency_s.begin(),
                            s.step_latency_s.end());
    m.output_sum.insert(m.output_sum.end(), s.output_sum.begin(), s.output_sum.end());
    m.count += s.count;
  }
  return m;
}

// ------------------------------------------------------------------ TraceFiles

namespace {
std::string npy_header(const char* descr, const Shape& shape) {
  std::ostringstream d;
  d << "{'descr': '" << descr << "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i)
    d << shape[i] << (shape.size() == 1 ? "," : (i + 1 < shape.size() ? ", " : ""));
  d << "), }";
  std::string h = d.str();
  const size_t total = 10 + h.size() + 1;
  h.append((64 - total % 64) % 64, ' ');
  h.push_back('\n');
  std::string out = "\x93NUMPY";
  out.push_back(1);
  out.push_back(0);
  const uint16_t len = static_cast<uint16_t>(h.size());
  out.push_back(static_cast<char>(len & 0xff));
  out.push_back(static_cast<char>(len >> 8));
  return out + h;
}
}  // namespace

TraceFiles::TraceFiles(const fs::path& dir, const Network& net,
                       const std::vector<std::string>& what, int64_t samples, int timesteps)
    : timesteps_(timesteps) {
  bool want_v = false, want_s = false;
  for (const auto& w : what) {
    if (w == "v")
      want_v = true;
    else if (w == "spikes")
      want_s = true;
    else
      throw InputError("--record: '" + w + "' is not a trace (expected v, spikes or v,spikes)");
  }
  fs::create_directories(dir);
  for (PopId p : net.order) {
    const Population& pop = net.pop(p);
    if (pop.model == NeuronModel::Input) continue;
    for (int k = 0; k < 2; ++k) {
      const bool spikes = k == 1;
      if ((spikes && (!want_s || !is_spiking(pop.model))) || (!spikes && !want_v)) continue;
      Shape shape{samples, timesteps};
      shape.insert(shape.end(), pop.shape.begin(), pop.shape.end());
      const std::string header = npy_header(spikes ? "|u1" : "<f4", shape);
      const fs::path path = dir / (pop.name + (spikes ? "_spikes.npy" : "_v.npy"));
      File f{p, spikes};
      f.fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
      if (f.fd < 0) throw std::runtime_error("cannot create " + path.string());
      f.elem = spikes ? 1 : 4;
      f.header = static_cast<int64_t>(header.size());
      f.per_step = pop.size * f.elem;
      if (::pwrite(f.fd, header.data(), header.size(), 0) != static_cast<ssize_t>(header.size()) ||
          ::ftruncate(f.fd, f.header + samples * timesteps * f.per_step) != 0)
        throw std::runtime_error("cannot size " + path.string());
      files_.push_back(f);
    }
  }
}

TraceFiles::~TraceFiles() { finish(); }

void TraceFiles::finish() {
  for (auto& f : files_)
    if (f.fd >= 0) {
      ::close(f.fd);
      f.fd = -1;
    }
}

void TraceFiles::write_step(ChipRun& chip, int64_t sample, int t) {
  for (const File& f : files_) {
    buf_.assign(f.per_step, 0);
    for (auto& core : chip.cores()) {
      const CoreModel& m = core->model();
      if (m.pop() != f.pop) continue;
      const auto& index = m.index();
      if (f.spikes) {
        for (uint32_t i : core->fired()) buf_[index[i]] = 1;
      } else {
        const auto v = m.neurons().v();
        for (size_t i = 0; i < v.size(); ++i) std::memcpy(buf_.data() + index[i] * 4, &v[i], 4);
      }
    }
    const int64_t off = f.header + (sample * timesteps_ + t) * f.per_step;
    if (::pwrite(f.fd, buf_.data(), buf_.size(), off) != static_cast<ssize_t>(buf_.size()))
      throw std::runtime_error("cannot write trace");
  }
}

// ------------------------------------------------------------------ outputs

CoreFigures core_figures(const CoreCounters& c, const ChipParams& chip, const EnergyTable& table) {
  CoreFigures f;
  const auto w = chip.latency_per_counter();
  for (size_t k = 0; k < kNumCounters; ++k) f.busy_s += w[k] * static_cast<double>(c.v[k]);
  f.counts = all_counts(c, chip.word_bits());
  f.energy_by_action_j = table.breakdown(f.counts);
  f.energy_j = EnergyTable::total(f.energy_by_action_j);
  return f;
}

namespace {

void write_csv(const fs::path& p, const ojson& rows) {
  std::ofstream os(p);
  if (rows.empty()) return;
  std::vector<std::string> keys;
  for (auto it = rows[0].begin(); it != rows[0].end(); ++it)
    if (!it.value().is_structured()) keys.push_back(it.key());
  for (size_t k = 0; k < keys.size(); ++k) os << (k ? "," : "") << keys[k];
  os << "\n";
  for (const auto& r : rows) {
    for (size_t k = 0; k < keys.size(); ++k) {
      const auto& v = r[keys[k]];
      os << (k ? "," : "");
      if (v.is_string())
        os << v.get<std::string>();
      else if (!v.is_null())
        os << dump(v);
    }
    os << "\n";
  }
  if (!os) throw std::runtime_error("cannot write " + p.string());
}

ojson shape_json(const Shape& s) {
  ojson a = ojson::array();
  for (auto d : s) a.push_back(d);
  return a;
}

double mean_of(const std::vector<float>& v) {
  if (v.empty()) return 0.0;
  double s = 0;
  for (float x : v) s += x;
  return s / static_cast<double>(v.size());
}

}  // namespace

ojson run_json(const RunOptions& o, const Network& net, const Mapping& mapping,
               const ChipParams& chip, const ShardResult& r, const InputSet& inputs,
               const AnnAccelerator& ann, const AnnResult& ann_result) {
  const EnergyTable table = chip.energy_table();
  const int64_t N = r.count;
  const int T = r.timesteps;

  // Simulated time: per-sample latencies summed in sample order.
  std::vector<double> sample_latency(N, 0.0);
  std::vector<double> step_latency(T, 0.0);
  for (int64_t s = 0; s < N; ++s)
    for (int t = 0; t < T; ++t) {
      sample_latency[s] += r.step_latency_s[s * T + t];
      step_latency[t] += r.step_latency_s[s * T + t];
    }
  double sim_time_s = 0;
  for (double l : sample_latency) sim_time_s += l;

  // Totals over cores (every counter of the registry, derived ones summed per
  // core); energy by action with static power over the simulated time.
  const std::vector<std::string> names = all_counter_names();
  std::vector<uint64_t> counts(names.size(), 0);
  std::vector<CoreFigures> figs;
  for (const auto& c : r.cores) {
    figs.push_back(core_figures(c, chip, table));
    for (size_t k = 0; k < counts.size(); ++k) counts[k] += figs.back().counts[k];
  }
  auto total = [&](Ctr c) { return counts[static_cast<size_t>(c)]; };
  // Every counter under its registry name.
  auto put_counts = [&](ojson& o, const std::vector<uint64_t>& v) {
    for (size_t k = 0; k < names.size(); ++k) o[names[k]] = v[k];
  };
  const auto breakdown = table.breakdown(counts, sim_time_s);
  const double energy_j = EnergyTable::total(breakdown);

  // Accuracy: argmax (first on ties) of the output summed over the timesteps.
  const auto& labels = inputs.labels();
  ojson accuracy = nullptr;
  std::vector<int64_t> pred(N);
  for (int64_t s = 0; s < N; ++s) {
    const float* o_s = r.output_sum.data() + s * r.outputs;
    pred[s] = std::max_element(o_s, o_s + r.outputs) - o_s;
  }
  if (!labels.empty()) {
    int64_t correct = 0;
    for (int64_t s = 0; s < N; ++s) correct += pred[s] == labels[inputs.first() + s];
    accuracy = static_cast<double>(correct) / static_cast<double>(N);
  }

  // Paper convention: 0.9 pJ per accumulate (synop), 4.6 pJ per MAC; the first
  // layer's real-valued input runs as dense MACs every timestep.
  constexpr double kAcJ = 0.9e-12, kMacJ = 4.6e-12;
  uint64_t first_layer_macs = 0;
  for (const auto& p : net.projs)
    if (net.pop(p.src).model == NeuronModel::Input) first_layer_macs += p.dense_macs;
  const double paper_snn = (static_cast<double>(total(Ctr::synops)) * kAcJ) / N +
                           static_cast<double>(first_layer_macs) * T * kMacJ;
  const double ann_batch = static_cast<double>(ann_result.batch);  // ANN figures are per batch
  const double paper_ann = static_cast<double>(ann_result.total.macs) / ann_batch * kMacJ;

  ojson j;
  j["nmsim_version"] = "0.1.0";
  j["command"] = o.command_line;
  j["model"] = o.model;
  j["hw"] = o.hw;
  j["ann_hw"] = o.ann_hw;
  j["options"] = {{"samples", N},
                  {"first_sample", inputs.first()},
                  {"timesteps", T},
                  {"dt_s", o.dt},
                  {"reset", o.reset},
                  {"layer_delay", o.layer_delay},
                  {"mapping", o.mapping.empty() ? "mapper v1" : o.mapping},
                  {"data", inputs.description()},
                  {"encoding", o.input.empty() ? o.encoding : "file"},
                  {"seed", o.seed}};
  ojson snn;
  snn["accuracy"] = accuracy;
  snn["energy_j"] = energy_j;
  snn["energy_j_per_sample"] = energy_j / N;
  snn["latency_s_per_sample"] = sim_time_s / N;
  snn["simulated_time_s"] = sim_time_s;
  put_counts(snn, counts);
  // Short names the reports use: messages on the network and all their hops.
  snn["noc_packets"] = total(Ctr::messages);
  snn["noc_hops"] = total(Ctr::hops_ew) + total(Ctr::hops_ns);
  snn["dram_bytes"] = 0;  // every weight and state word stays in the cores' SRAM
  snn["cores_used"] = mapping.cores_used();
  snn["unpriced_counters"] = chip.unpriced_counters();
  // What the preset says the real chip would restrict and nmsim does not.
  snn["unmodelled_restrictions"] = chip.unmodelled;
  ojson annj;
  const ModelMeta meta = read_model_meta(o.model);
  annj["accuracy"] = meta.ann_twin_accuracy ? ojson(*meta.ann_twin_accuracy) : ojson(nullptr);
  annj["accuracy_source"] = meta.ann_twin_accuracy
                                ? ojson(meta.path + " (ann_twin_accuracy, full test set)")
                                : ojson(nullptr);
  annj["accelerator"] = ann.params().name;
  annj["process_node"] = ann.params().process_node;
  annj["datatype"] = ann.params().datatype;
  annj["energy_j_per_sample"] = ann_result.energy_per_sample_j();
  annj["latency_s_per_sample"] = ann_result.latency_per_sample_s();
  // The ANN runs once per inference; like every count here, its counts are
  // totals over the run's samples.
  const auto n_u = static_cast<uint64_t>(N);
  const uint64_t ab = static_cast<uint64_t>(ann_result.batch);
  annj["energy_j"] = ann_result.energy_per_sample_j() * static_cast<double>(N);
  annj["macs"] = ann_result.total.macs / ab * n_u;
  annj["macs_per_sample"] = ann_result.total.macs / ab;
  annj["sram_read_bytes"] = ann_result.total.sram_read_bytes * n_u / ab;
  annj["sram_write_bytes"] = ann_result.total.sram_write_bytes * n_u / ab;
  annj["dram_bytes"] = ann_result.total.dram_bytes() * n_u / ab;
  annj["weights_resident"] = ann_result.weights_resident;
  if (o.only == "snn") annj = nullptr;
  snn["process_node"] = chip.process_node;
  snn["datatype"] = std::to_string(chip.core.weight_bits) + "-bit weights, " + chip.core.datapath;
  j["summary"] = {{"snn", snn},
                  {"ann", annj},
                  {"paper_convention",
                   {{"snn_energy_j_per_sample", paper_snn},
                    {"ann_energy_j_per_sample", paper_ann},
                    {"snn_ac_pj", 0.9},
                    {"ann_mac_pj", 4.6},
                    {"first_layer_macs_per_timestep", first_layer_macs},
                    {"note",
                     "synops x 0.9 pJ + first layer dense MACs x timesteps x 4.6 pJ (SNN); "
                     "ANN MACs x 4.6 pJ (Horowitz, ISSCC 2014, 45 nm fp32)"}}}};
  ojson bj;
  for (const auto& [k, v] : breakdown) bj[k] = v;
  j["energy_breakdown_j"] = bj;
  ojson abj;
  for (const auto& [k, v] : ann_result.total.energy_j)
    abj[k] = v / ann_batch * static_cast<double>(N);
  j["ann_energy_breakdown_j"] = abj;

  // Layers: a population with the projections that feed it (their synops run
  // on its cores; their ANN MACs are its ANN cost).
  std::map<std::string, const AnnLayerResult*> ann_by_name;
  for (const auto& l : ann_result.layers) ann_by_name[l.name] = &l;
  ojson layers = ojson::array();
  for (PopId p : net.order) {
    const Population& pop = net.pop(p);
    if (pop.model == NeuronModel::Input) continue;
    std::vector<uint64_t> lc(names.size(), 0);
    double le = 0;
    for (CoreId c : mapping.pop_cores[idx(p)]) {
      for (size_t k = 0; k < lc.size(); ++k) lc[k] += figs[idx(c)].counts[k];
      le += figs[idx(c)].energy_j;
    }
    const uint64_t l_spikes = lc[static_cast<size_t>(Ctr::spikes)];
    std::string inputs_names;
    uint64_t ann_macs = 0;
    double ann_e = 0;
    for (uint32_t k : net.incoming(p)) {
      const Projection& pr = net.projs[k];
      inputs_names += (inputs_names.empty() ? "" : " ") + pr.name;
      if (auto it = ann_by_name.find(pr.name); it != ann_by_name.end()) {
        ann_macs += it->second->macs / static_cast<uint64_t>(ann_result.batch);
        ann_e += it->second->energy_total_j() / ann_batch;
      }
    }
    ojson l;
    l["name"] = pop.name;
    l["kind"] = to_string(pop.model);
    l["inputs"] = inputs_names;
    l["shape"] = shape_json(pop.shape);
    l["neurons"] = pop.size;
    uint64_t syn = 0, syn_in = 0;
    for (uint32_t k : net.incoming(p)) {
      syn += net.projs[k].num_synapses();
      if (net.pop(net.projs[k].src).model == NeuronModel::Input)
        syn_in += net.projs[k].num_synapses();
    }
    l["synapses"] = syn;  // incoming; those from the Input population apart
    l["input_synapses"] = syn_in;
    l["cores"] = mapping.pop_cores[idx(p)].size();
    l["firing_rate"] = static_cast<double>(l_spikes) / (static_cast<double>(pop.size) * T * N);
    put_counts(l, lc);
    l["v_threshold"] =
        pop.params.v_threshold.empty() ? ojson(nullptr) : ojson(mean_of(pop.params.v_threshold));
    l["energy_j"] = le;
    l["energy_j_per_sample"] = le / N;
    l["ann_macs"] = ann_macs * static_cast<uint64_t>(N);
    l["ann_energy_j"] = ann_e * static_cast<double>(N);
    l["ann_energy_j_per_sample"] = ann_e;
    layers.push_back(l);
  }
  j["layers"] = layers;

  ojson cores = ojson::array();
  for (size_t c = 0; c < r.cores.size(); ++c) {
    const Slice& s = mapping.slices[c];
    ojson cj;
    cj["id"] = c;
    cj["x"] = mapping.places[c].x;
    cj["y"] = mapping.places[c].y;
    cj["tile"] = mapping.places[c].tile;
    cj["layer"] = net.pop(s.pop).name;
    cj["order"] = to_string(s.order);
    cj["neurons"] = s.size();
    cj["synapses"] = s.synapses;
    cj["synapse_bytes"] = mapping.synapse_bytes(static_cast<CoreId>(c), chip.core.weight_bits);
    cj["axons"] = s.axons;
    put_counts(cj, figs[c].counts);
    cj["busy_s"] = figs[c].busy_s;
    cj["energy_j"] = figs[c].energy_j;
    cores.push_back(cj);
  }
  j["cores"] = cores;

  ojson steps = ojson::array();
  for (int t = 0; t < T; ++t) {
    ojson st{{"t", t}};
    put_counts(st, all_counts(r.steps[t], chip.word_bits()));
    st["latency_s"] = step_latency[t];
    st["latency_s_per_sample"] = step_latency[t] / N;
    steps.push_back(st);
  }
  j["timesteps"] = steps;

  ojson samples = ojson::array();
  for (int64_t s = 0; s < N; ++s) {
    ojson sj{{"index", inputs.first() + s}, {"prediction", pred[s]}};
    sj["label"] = labels.empty() ? ojson(nullptr) : ojson(labels[inputs.first() + s]);
    sj["latency_s"] = sample_latency[s];
    samples.push_back(sj);
  }
  j["samples"] = samples;

  ojson counters = ojson::array();
  for (const auto& info : kCounters)
    counters.push_back(
        {{"name", info.name}, {"unit", info.unit}, {"description", info.description}});
  for (const auto& info : kDerivedCounters)
    counters.push_back(
        {{"name", info.name}, {"unit", info.unit}, {"description", info.description}});
  j["counter_descriptions"] = counters;

  ojson cfg = ojson::parse(dump(chip.to_json()));
  cfg["energy_table"] = ojson::parse(dump(table.to_json()));
  j["config"] = cfg;
  j["ann_config"] = ojson::parse(dump(ann.params().to_json()));
  j["ann_layers"] = ojson::parse(dump(ann_result.to_json()));
  return j;
}

void write_run_directory(const fs::path& dir, const RunOptions& o, const Network& net,
                         const Mapping& mapping, const ChipParams& chip, const ShardResult& r,
                         const InputSet& inputs, const AnnAccelerator& ann,
                         const AnnResult& ann_result, double wall_s) {
  const ojson j = run_json(o, net, mapping, chip, r, inputs, ann, ann_result);
  {
    std::ofstream os(dir / "run.json");
    os << dump(j, 1) << "\n";
    if (!os) throw std::runtime_error("cannot write " + (dir / "run.json").string());
  }
  write_csv(dir / "layers.csv", j["layers"]);
  write_csv(dir / "cores.csv", j["cores"]);
  write_csv(dir / "timesteps.csv", j["timesteps"]);
  write_csv(dir / "samples.csv", j["samples"]);
  // Wall-clock figures vary from run to run; they live outside run.json so
  // that run.json is byte-identical for the same model, chip, inputs and seed.
  const auto synops = j["summary"]["snn"]["synops"].get<uint64_t>();
  std::ofstream perf(dir / "perf.json");
  const ojson pj{{"wall_s", wall_s},
                 {"jobs", o.jobs},
                 {"synops_per_wall_s", static_cast<double>(synops) / wall_s}};
  perf << dump(pj, 1) << "\n";
}

}  // namespace nmsim
