#include "sim/run.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "hw_models/ann_accelerator.h"
#include "hw_models/config.h"
#include "mapper/mapping.h"
#include "sim/ann_run.h"
#include "sim/chip.h"
#include "sim/inputs.h"
#include "sim/isolate.h"
#include "sim/results.h"
#include "workloads/errors.h"
#include "workloads/nir_reader.h"

namespace nmsim {
namespace fs = std::filesystem;

namespace {

ResetMode parse_reset(const std::string& r) {
  if (r == "to_reset" || r == "reset") return ResetMode::ToReset;
  if (r == "subtract" || r == "subtractive") return ResetMode::Subtract;
  throw InputError("--reset: '" + r + "' is not a reset mode (expected to_reset or subtract)");
}

}  // namespace

DynamicsOptions dynamics_options(const RunOptions& o, const ChipParams& chip) {
  return DynamicsOptions{o.dt, parse_reset(o.reset), chip.datapath_params()};
}

void run_shard(const Network& net, const Mapping& mapping, const ChipParams& chip_params,
               const DynamicsOptions& dyn, const RunOptions& o, const InputSet& inputs,
               int64_t first, int64_t count, TraceFiles* traces, int64_t* progress,
               bool report_progress, ShardResult& r, ShardObserver* observer) {
  ChipRun chip(net, mapping, chip_params, dyn, o.layer_delay);
  if (observer != nullptr) observer->begin(chip);
  auto& cores = chip.cores();
  const int T = inputs.timesteps();
  r.init(mapping.cores_used(), net.pop(net.output).size, T, count);
  const Population& out_pop = net.pop(net.output);
  const bool out_spiking = is_spiking(out_pop.model);
  const auto& out_cores = mapping.pop_cores[idx(net.output)];
  std::vector<CoreCounters> before(cores.size());

  auto on_step = [&](const StepObservation& ob) {
    const int64_t local = ob.sample - first;
    // Output of this step, summed over the timesteps for the prediction.
    float* sum = r.output_sum.data() + local * out_pop.size;
    for (CoreId c : out_cores) {
      Core& core = *cores[idx(c)];
      const auto& index = core.model().index();
      if (out_spiking) {
        for (uint32_t i : core.fired()) sum[index[i]] += 1.0f;
      } else {
        const auto v = core.model().neurons().v();
        for (size_t i = 0; i < v.size(); ++i) sum[index[i]] += v[i];
      }
    }
    // Per-timestep totals: differences of the cores' counters.
    for (size_t c = 0; c < cores.size(); ++c) {
      const CoreCounters& now = cores[c]->model().counters;
      r.steps[ob.t] += now - before[c];
      before[c] = now;
    }
    r.step_latency_s[local * T + ob.t] = ob.latency_s;
    if (traces != nullptr) traces->write_step(chip, ob.sample, ob.t);
    if (observer != nullptr) observer->step(chip, ob);
    if (ob.t == T - 1 && progress != nullptr) {
      *progress = local + 1;
      // A single process reports its own progress (workers are watched by the parent).
      if (report_progress && (local + 1) * 10 / count != local * 10 / count)
        std::cerr << "nmsim: " << local + 1 << "/" << count << " samples\n";
    }
  };
  chip.run(
      first, count, T, [&](int64_t s, int t) { return inputs.step(s, t); }, on_step);
  for (size_t c = 0; c < cores.size(); ++c) r.cores[c] = cores[c]->model().counters;
}

void run_simulation(const RunOptions& o) {
  const auto t_start = std::chrono::steady_clock::now();
  if (o.out.empty()) throw InputError("--out: an output directory is required");
  if (o.timesteps <= 0)
    throw InputError("--timesteps: " + std::to_string(o.timesteps) + " must be at least 1");
  if (!(o.dt > 0)) throw InputError("--dt: " + std::to_string(o.dt) + " must be > 0 seconds");
  if (o.layer_delay > 1)
    throw InputError("--layer-delay: " + std::to_string(o.layer_delay) + " must be 0 or 1");

  const Network net = read_nir_isolated(o.model);
  check_delays(net, o.dt);
  const ChipParams chip = load_chip(o.hw, o.overrides);
  const AnnAcceleratorParams ann_params = load_ann_accelerator(o.ann_hw, o.ann_overrides);
  const DynamicsOptions dyn = dynamics_options(o, chip);
  InputSet inputs = InputSet::open(o, net, o.timesteps_given);
  const Mapping mapping =
      o.mapping.empty() ? map_network(net, chip) : read_mapping(o.mapping, net, chip);

  const int64_t n = inputs.samples();
  const int T = inputs.timesteps();
  int jobs =
      o.jobs > 0 ? o.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  jobs = static_cast<int>(std::min<int64_t>(jobs, n));

  const fs::path out(o.out);
  const fs::path partial = out.string() + ".partial";
  fs::remove_all(partial);
  fs::create_directories(partial);

  std::unique_ptr<TraceFiles> traces;
  if (!o.record.empty())
    traces = std::make_unique<TraceFiles>(partial / "traces", net, o.record, n, T);

  if (!o.quiet)
    std::cerr << "nmsim: " << net.source << " on " << chip.name << ": " << mapping.cores_used()
              << " cores" << (o.mapping.empty() ? "" : " (placed by " + o.mapping + ")") << ", "
              << n << " samples x " << T << " timesteps, " << jobs
              << (jobs == 1 ? " process\n" : " processes\n");

  // Shards: contiguous sample ranges, merged in order, so the outputs are the
  // same whatever the number of processes.
  std::vector<ShardResult> shards(jobs);
  auto* progress = static_cast<int64_t*>(mmap(
      nullptr, sizeof(int64_t) * jobs, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  std::fill(progress, progress + jobs, 0);
  auto range = [&](int k) {
    const int64_t a = n * k / jobs, b = n * (k + 1) / jobs;
    return std::pair<int64_t, int64_t>{a, b - a};
  };
  if (jobs == 1) {
    run_shard(net, mapping, chip, dyn, o, inputs, 0, n, traces.get(), progress, !o.quiet,
              shards[0]);
  } else {
    std::vector<pid_t> pids(jobs);
    for (int k = 0; k < jobs; ++k) {
      const pid_t pid = fork();
      if (pid < 0) throw std::runtime_error("fork failed: " + std::string(std::strerror(errno)));
      if (pid == 0) {
        int code = 0;
        try {
          const auto [a, c] = range(k);
          ShardResult r;
          run_shard(net, mapping, chip, dyn, o, inputs, a, c, traces.get(), progress + k, false, r);
          r.save(partial / ("shard_" + std::to_string(k) + ".bin"));
        } catch (const std::exception& e) {
          std::cerr << "nmsim: worker " << k << ": " << e.what() << "\n";
          code = 1;
        }
        std::cout.flush();
        _exit(code);
      }
      pids[k] = pid;
    }
    int64_t shown = -1;
    int failed = 0;
    for (int alive = jobs; alive > 0;) {
      int status = 0;
      const pid_t done = waitpid(-1, &status, WNOHANG);
      if (done > 0) {
        --alive;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
        continue;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      int64_t sum = 0;
      for (int k = 0; k < jobs; ++k) sum += progress[k];
      if (!o.quiet && sum * 10 / n != shown) {
        shown = sum * 10 / n;
        std::cerr << "nmsim: " << sum << "/" << n << " samples\n";
      }
    }
    if (failed) throw std::runtime_error(std::to_string(failed) + " worker process(es) failed");
    for (int k = 0; k < jobs; ++k)
      shards[k].load(partial / ("shard_" + std::to_string(k) + ".bin"));
    for (int k = 0; k < jobs; ++k) fs::remove(partial / ("shard_" + std::to_string(k) + ".bin"));
  }
  munmap(progress, sizeof(int64_t) * jobs);
  if (traces) traces->finish();

  const ShardResult all = ShardResult::merge(shards);
  const AnnAccelerator ann(ann_params);
  const AnnResult ann_result =
      o.only == "snn" ? AnnResult{} : ann.run(measured_ann_layers(net, inputs, ann_params));
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  write_run_directory(partial, o, net, mapping, chip, all, inputs, ann, ann_result, wall_s);
  fs::remove_all(out);
  fs::rename(partial, out);
}

}  // namespace nmsim
