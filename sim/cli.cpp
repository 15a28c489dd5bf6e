// The nmsim command line: run, map, inspect, report.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hw_models/config.h"
#include "mapper/mapping.h"
#include "sim/ann_run.h"
#include "sim/chip.h"
#include "sim/isolate.h"
#include "sim/run.h"
#include "sim/sweep.h"
#include "sim/sweep_spec.h"
#include "workloads/errors.h"
#include "workloads/nir_reader.h"

namespace nmsim {
namespace {

namespace fs = std::filesystem;

std::string join_args(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) s += (i ? " " : "") + std::string(argv[i]);
  return s;
}

void inspect(const std::string& model, bool as_json) {
  const Network net = read_nir_isolated(model);
  nlohmann::ordered_json j;
  j["model"] = model;
  j["input_shape"] = net.pop(net.input).shape;
  j["output"] = net.pop(net.output).name;
  uint64_t neurons = 0, synapses = 0, macs = 0, params = 0;
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (PopId p : net.order) {
    const Population& pop = net.pop(p);
    uint64_t syn = 0, m = 0, w = 0;
    std::string in;
    for (uint32_t k : net.incoming(p)) {
      const Projection& pr = net.projs[k];
      syn += pr.num_synapses();
      m += pr.dense_macs;
      w += pr.weight_params;
      in += (in.empty() ? "" : " ") + pr.name + (pr.back ? " (recurrent)" : "") +
            (pr.syn_delay_s.empty() ? "" : " (Delay)");
    }
    if (pop.model != NeuronModel::Input) neurons += pop.size;
    synapses += syn;
    macs += m;
    params += w;
    layers.push_back({{"name", pop.name},
                      {"kind", to_string(pop.model)},
                      {"shape", pop.shape},
                      {"neurons", pop.size},
                      {"inputs", in},
                      {"synapses", syn},
                      {"macs", m},
                      {"parameters", w}});
  }
  j["layers"] = layers;
  j["totals"] = {
      {"neurons", neurons}, {"synapses", synapses}, {"macs", macs}, {"parameters", params}};
  if (as_json) {
    std::cout << j.dump(1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
    return;
  }
  std::cout << model << ": input " << shape_str(net.pop(net.input).shape) << ", output "
            << net.pop(net.output).name << "\n";
  std::cout << std::left << std::setw(14) << "layer" << std::setw(10) << "kind" << std::setw(16)
            << "shape" << std::right << std::setw(10) << "neurons" << std::setw(12) << "synapses"
            << std::setw(12) << "MACs" << std::setw(10) << "params"
            << "  inputs\n";
  for (const auto& l : layers) {
    std::cout << std::left << std::setw(14) << l["name"].get<std::string>() << std::setw(10)
              << l["kind"].get<std::string>() << std::setw(16) << shape_str(l["shape"].get<Shape>())
              << std::right << std::setw(10) << l["neurons"].get<int64_t>() << std::setw(12)
              << l["synapses"].get<uint64_t>() << std::setw(12) << l["macs"].get<uint64_t>()
              << std::setw(10) << l["parameters"].get<uint64_t>() << "  "
              << l["inputs"].get<std::string>() << "\n";
  }
  std::cout << "total: " << neurons << " neurons, " << synapses << " synapses, " << macs
            << " MACs per timestep, " << params << " parameters\n";
}

// Engineering notation for the summary table: 1.23e-6, "J" -> "1.23 uJ".
std::string eng(double v, const char* unit) {
  static const char* prefixes[] = {"f", "p", "n", "u", "m", "", "k", "M", "G"};
  if (v == 0) return std::string("0 ") + unit;
  int e = static_cast<int>(std::floor(std::log10(std::fabs(v)) / 3));
  e = std::clamp(e, -5, 3);
  std::ostringstream os;
  os << std::setprecision(3) << v / std::pow(1000.0, e) << " " << prefixes[e + 5] << unit;
  return os.str();
}

void print_summary(const std::string& dir) {
  std::ifstream is(fs::path(dir) / "run.json");
  const auto j = nlohmann::json::parse(is);
  const auto& s = j["summary"];
  auto acc = [](const nlohmann::json& a) {
    if (!a.is_number()) return std::string("-");
    std::ostringstream os;
    os << std::fixed << std::setprecision(2) << 100.0 * a.get<double>() << " %";
    return os.str();
  };
  std::cout << std::left << std::setw(28) << "" << std::setw(12) << "accuracy" << std::setw(20)
            << "energy/inference"
            << "latency/inference\n";
  auto node = [](const nlohmann::json& x) {
    return " (" + x.value("process_node", std::string("?")) + ", " +
           x.value("datatype", std::string("?")) + ")";
  };
  std::cout << std::setw(28) << ("SNN on " + j["config"]["name"].get<std::string>())
            << std::setw(12) << acc(s["snn"]["accuracy"]) << std::setw(20)
            << eng(s["snn"]["energy_j_per_sample"].get<double>(), "J") << std::setw(20)
            << eng(s["snn"]["latency_s_per_sample"].get<double>(), "s") << node(s["snn"]) << "\n";
  if (!s["ann"].is_null())
    std::cout << std::setw(28) << ("ANN on " + j["ann_config"]["name"].get<std::string>())
              << std::setw(12) << acc(s["ann"]["accuracy"]) << std::setw(20)
              << eng(s["ann"]["energy_j_per_sample"].get<double>(), "J") << std::setw(20)
              << eng(s["ann"]["latency_s_per_sample"].get<double>(), "s") << node(s["ann"]) << "\n";
  std::cout << std::setw(28) << "SNN, paper convention" << std::setw(12) << "" << std::setw(20)
            << eng(s["paper_convention"]["snn_energy_j_per_sample"].get<double>(), "J") << "\n";
  std::cout << std::setw(28) << "ANN, paper convention" << std::setw(12) << "" << std::setw(20)
            << eng(s["paper_convention"]["ann_energy_j_per_sample"].get<double>(), "J") << "\n";
  const auto& unmodelled = s["snn"]["unmodelled_restrictions"];
  if (!unmodelled.empty())
    std::cout << "note: " << unmodelled.size() << " restriction(s) of "
              << j["config"]["name"].get<std::string>()
              << " are not modelled; see summary.snn.unmodelled_restrictions in run.json\n";
}

int report(const std::string& dir) {
  // A sweep directory (results.sqlite) gets the sweep report, a run directory the run report.
  const bool sweep = fs::exists(fs::path(dir) / "results.sqlite");
  const std::string script = std::string(NMSIM_SOURCE_DIR) +
                             (sweep ? "/reports/sweep_report.py" : "/reports/make_report.py");
  const std::string cmd = "/usr/bin/python3 '" + script + "' '" + dir + "'";
  const int rc = std::system(cmd.c_str());
  return rc == 0 ? 0 : 1;
}

}  // namespace
}  // namespace nmsim

int nmsim_main(int argc, char** argv) {
  using namespace nmsim;
  CLI::App app{
      "nmsim: a cycle-approximate neuromorphic hardware simulator.\n"
      "Maps a trained spiking network (NIR) onto a modelled chip (YAML), runs real inputs\n"
      "through a SystemC model of it and reports energy, latency, spikes, synaptic operations\n"
      "and network traffic next to the same network as an ANN on a conventional accelerator."};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");

  RunOptions ro;
  ro.hw = "loihi";
  ro.ann_hw = kDefaultAnnHw;
  std::string record;
  auto* run =
      app.add_subcommand("run", "Simulate a trained NIR model on a chip and write a run directory");
  run->add_option("--model", ro.model, "Trained network, NIR (HDF5) file")
      ->required()
      ->check(CLI::ExistingFile);
  run->add_option("--hw", ro.hw, "Chip config: a preset name (loihi) or a YAML file")
      ->capture_default_str();
  run->add_option("--ann-hw", ro.ann_hw, "ANN accelerator config: preset name or YAML file")
      ->capture_default_str();
  auto* data =
      run->add_option("--data", ro.data, "Dataset: fashion-mnist:test or fashion-mnist:train");
  auto* input = run->add_option("--input", ro.input,
                                "Input tensor .npy, [T, *input_shape] or [N, T, *input_shape]")
                    ->check(CLI::ExistingFile);
  data->excludes(input);
  run->add_option("--labels", ro.labels, "Labels .npy (int, [N]) for --input, to report accuracy")
      ->check(CLI::ExistingFile);
  run->add_option("--samples", ro.samples, "Number of samples (0: all)")->capture_default_str();
  run->add_option("--first-sample", ro.first_sample, "Index of the first sample")
      ->capture_default_str();
  run->add_option("--timesteps,-T", ro.timesteps,
                  "Timesteps per sample (for --data; an --input file gives its own)")
      ->capture_default_str();
  run->add_option("--dt", ro.dt, "Time step in seconds (NIR stores none)")->capture_default_str();
  run->add_option("--encoding", ro.encoding,
                  "Input encoding for --data: direct (pixel/255 current) or rate")
      ->check(CLI::IsMember({"direct", "rate"}))
      ->capture_default_str();
  run->add_option("--reset", ro.reset,
                  "Reset after a spike: to_reset (v = v_reset) or subtract (v -= v_threshold)")
      ->check(CLI::IsMember({"to_reset", "subtract"}))
      ->capture_default_str();
  run->add_option("--layer-delay", ro.layer_delay,
                  "0: a spike reaches the next layer in the same timestep (training semantics); "
                  "1: one timestep per layer (Loihi, SANA-FE)")
      ->check(CLI::Range(0, 1))
      ->capture_default_str();
  run->add_option("--mapping", ro.mapping,
                  "Run on this placement instead of mapper v1's: a YAML written by nmsim map, "
                  "or a CSV nir_node,index,tile,core (tile t at x = t div mesh height, "
                  "y = t mod mesh height, as SANA-FE numbers tiles)")
      ->check(CLI::ExistingFile);
  run->add_option("--only", ro.only,
                  "Price one side only: ann (the accelerator; the SNN is not built, mapped or "
                  "simulated) or snn (no ANN baseline)")
      ->check(CLI::IsMember({"ann", "snn"}));
  run->add_option("--record", record, "Traces to write: v, spikes or v,spikes");
  run->add_option("--set", ro.overrides,
                  "Override a chip config key, e.g. --set chip.core.neurons=512");
  run->add_option("--ann-set", ro.ann_overrides, "Override an ANN accelerator config key");
  run->add_option("--seed", ro.seed, "Seed for rate encoding")->capture_default_str();
  run->add_option("--jobs,-j", ro.jobs,
                  "Worker processes (0: one per core); outputs do not depend on it")
      ->capture_default_str();
  run->add_option("--out,-o", ro.out,
                  "Output directory (written as DIR.partial, renamed when complete)")
      ->required();
  run->add_flag("--report", ro.report, "Also write DIR/report.html");
  run->add_flag("--quiet,-q", ro.quiet, "No progress on stderr");

  std::string m_model, m_hw = "loihi", m_out, m_mapping;
  std::vector<std::string> m_set;
  auto* map =
      app.add_subcommand("map", "Map a NIR model onto a chip and write the mapping as YAML");
  map->add_option("--model", m_model, "Trained network, NIR file")
      ->required()
      ->check(CLI::ExistingFile);
  map->add_option("--hw", m_hw, "Chip config: preset name or YAML file")->capture_default_str();
  map->add_option("--set", m_set, "Override a chip config key");
  map->add_option("--mapping", m_mapping,
                  "Check this placement (YAML or CSV, as for run --mapping) against the network "
                  "and the chip, and write it as nmsim's YAML")
      ->check(CLI::ExistingFile);
  map->add_option("--out,-o", m_out, "Output YAML file (default: standard output)");

  std::string i_model;
  bool i_json = false;
  auto* insp = app.add_subcommand("inspect",
                                  "List a NIR model's layers, shapes, neurons, synapses and MACs");
  insp->add_option("model", i_model, "NIR file")->required()->check(CLI::ExistingFile);
  insp->add_flag("--json", i_json, "Print JSON instead of a table");

  SweepOptions so;
  auto* sweep = app.add_subcommand(
      "sweep",
      "Run every chip configuration of a sweep spec (YAML: model, data, base chip, axes) into "
      "DIR/results.sqlite and DIR/results.csv; rerunning resumes; under mpirun the "
      "configurations spread over the ranks");
  sweep
      ->add_option("spec", so.spec,
                   "Sweep spec (YAML), e.g. workloads/sweeps/loihi_core_memory.yaml")
      ->required();
  sweep->add_option("--out,-o", so.out, "Sweep directory (created, or resumed)")->required();
  sweep
      ->add_option("--jobs,-j", so.jobs,
                   "Worker processes (0: one per core; under mpirun, one per rank)")
      ->capture_default_str();
  sweep->add_flag("--no-reuse", so.no_reuse,
                  "Simulate every configuration on the chip instead of reusing recorded activity "
                  "(same figures, slower)");
  sweep->add_flag("--quiet,-q", so.quiet, "No progress on stderr");

  std::string r_dir;
  auto* rep = app.add_subcommand(
      "report",
      "Write DIR/report.html from a run directory, or a sweep's report from a sweep directory");
  rep->add_option("dir", r_dir, "Run directory (nmsim run) or sweep directory (nmsim sweep)")
      ->required()
      ->check(CLI::ExistingDirectory);

  auto* ctrs = app.add_subcommand(
      "counters",
      "List the hardware counters a core keeps (what chip.energy.<action>.per can name)");
  auto* keys = app.add_subcommand(
      "keys",
      "List every chip config key: path, default (or required), meaning (what --set takes)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    if (*run) {
      if (ro.data.empty() && ro.input.empty())
        throw InputError("nmsim run: give --data fashion-mnist:test or --input FILE.npy");
      ro.hw = resolve_hw_path(ro.hw);
      ro.ann_hw = resolve_hw_path(ro.ann_hw);
      ro.command_line = join_args(argc, argv);
      ro.timesteps_given = run->count("--timesteps") > 0;
      std::stringstream ss(record);
      for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) ro.record.push_back(item);
      if (ro.only == "ann") {
        run_ann_only(ro);
        std::cout << ro.out << "\n";
        return 0;
      }
      run_simulation(ro);
      if (!ro.quiet) print_summary(ro.out);
      std::cout << ro.out << "\n";
      if (ro.report) return report(ro.out);
      return 0;
    }
    if (*map) {
      const Network net = read_nir_isolated(m_model);
      const ChipParams chip = load_chip(resolve_hw_path(m_hw), m_set);
      const Mapping m =
          m_mapping.empty() ? map_network(net, chip) : read_mapping(m_mapping, net, chip);
      if (m_out.empty()) {
        write_mapping_yaml(m, net, chip, std::cout);
      } else {
        std::ofstream os(m_out);
        write_mapping_yaml(m, net, chip, os);
        if (!os) throw InputError("--out: cannot write '" + m_out + "'");
        std::cerr << "nmsim: " << m.cores_used() << " cores; mapping written to " << m_out << "\n";
      }
      return 0;
    }
    if (*insp) {
      inspect(i_model, i_json);
      return 0;
    }
    if (*rep) return report(r_dir);
    if (*sweep) return run_sweep(so, argc, argv);
    if (*ctrs) {
      std::cout << std::left << std::setw(26) << "counter" << std::setw(10) << "unit"
                << "meaning\n";
      for (const auto& c : kCounters)
        std::cout << std::setw(26) << c.name << std::setw(10) << c.unit << c.description << "\n";
      for (const auto& c : kDerivedCounters)
        std::cout << std::setw(26) << c.name << std::setw(10) << c.unit << c.description
                  << " (derived)\n";
      return 0;
    }
    if (*keys) {
      std::cout << std::left << std::setw(34) << "key" << std::setw(12) << "default"
                << "meaning\n";
      for (const ChipKey& k : chip_schema())
        std::cout << std::setw(34) << k.path << std::setw(12)
                  << (k.fallback ? std::string(k.fallback) : std::string("required")) << k.meaning
                  << (k.choices ? std::string(" (") + k.choices + ")" : std::string()) << "\n";
      std::cout << std::setw(34) << "chip.static_power" << std::setw(12) << "required"
                << "{value, source}: static power over the simulated time\n";
      std::cout << std::setw(34) << "chip.energy.<action>" << std::setw(12) << "optional"
                << "{value, per: counter(s), source}: energy per event (nmsim counters)\n";
      std::cout << std::setw(34) << "chip.latency.<action>" << std::setw(12) << "optional"
                << "{value, per: counter(s), source}: core busy time per event\n";
      return 0;
    }
  } catch (const InputError& e) {
    std::cerr << "nmsim: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "nmsim: internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
