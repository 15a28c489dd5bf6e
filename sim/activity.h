// Activity reuse for nmsim sweep: what a network did on a chip, recorded once,
// and every figure of another configuration recomputed from it without
// simulating the neurons again.
//
// What is recorded (ActivityRecorder, from a real run of the SystemC chip): per
// sample and timestep, for every neuron, whether it sent (spiked, or sent a
// non-zero graded value), whether it counted as updated and as an active update
// (CoreModel::record_flags()), which inputs were non-zero, and every sample's
// summed output. None of this depends on where the neurons sit, with one
// exception handled by the key: float32 dendrites sum their inputs in arrival
// order, which follows the order mapper v1 slices the sending population in
// (activity_mapping_key()).
//
// What is recomputed (ReplayPlan) for a configuration with another mapping,
// other resources, timing or prices: every counter of every core (synops, the
// messages and packets each core sends to each core, hops, updates, ...) from
// the recorded neurons and the new mapping's slices and routes, and the latency
// of every timestep by running the chip's timing model on those events in the
// order the SystemC chip runs them: Core::update_and_send(), MeshNoc::b_transport()
// and ChipRun::run() (core busy times, link contention, the barrier), with the
// same floating-point operations in the same order and SystemC's time
// quantisation. The result is a ShardResult equal, bit for bit, to the one the
// SystemC chip gives; tests/systemc/test_activity_replay.cpp checks it, and the
// sweep checks it again on the configuration that recorded each activity
// (Activity::reusable).
//
// Example: record the Fashion-MNIST model on loihi (28 cores); replay it on
// loihi with chip.core.neurons=512 (46 cores) or chip.latency.synop.value=2ns:
// the ShardResult, so run.json, is what `nmsim run` with those --set values writes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hw_models/config.h"
#include "mapper/mapping.h"
#include "sim/chip.h"
#include "sim/results.h"
#include "sim/run.h"
#include "workloads/network.h"

namespace nmsim {

// Per sample and timestep, bitsets over the neurons of every mapped population,
// in the order mapper v1 slices it (neuron_order of its SliceOrder), so that a
// core's neurons are one contiguous range.
class Activity {
 public:
  struct Pop {
    PopId pop{};
    int64_t size = 0;
    SliceOrder order = SliceOrder::ChannelMajor;
    bool spiking = true;
    size_t words = 0;   // 64-bit words per bitset
    size_t offset = 0;  // word offset of its sent bitset in a step record
  };
  // The three bitsets of a population in a step record: sent, updated, active.
  enum Bits : size_t { kSent = 0, kUpdated = 1, kActive = 2 };

  Activity() = default;
  // Empty activity of `samples` x `timesteps` for the populations of `net` as `m` slices them.
  Activity(const Network& net, const Mapping& m, int64_t samples, int timesteps);

  int64_t samples() const { return samples_; }
  int timesteps() const { return timesteps_; }
  const std::vector<Pop>& pops() const { return pops_; }
  // Index into pops() of population p, or -1 (Input).
  int pop_index(PopId p) const { return pop_slot_[idx(p)]; }
  int64_t input_size() const { return input_size_; }

  uint64_t* step(int64_t s, int t) { return bits_.data() + (s * timesteps_ + t) * step_words_; }
  const uint64_t* step(int64_t s, int t) const {
    return bits_.data() + (s * timesteps_ + t) * step_words_;
  }
  // Word offset of bitset `b` of pops()[k] within a step record; the input's bits are at 0.
  size_t bitset(size_t k, Bits b) const { return pops_[k].offset + b * pops_[k].words; }

  // Summed outputs [samples * outputs], as ShardResult::output_sum.
  std::vector<float> output_sum;
  int64_t outputs = 0;
  // False when the replay of the recording configuration did not give the
  // recorded run exactly; a sweep then simulates every configuration in full.
  bool reusable = false;

  void save(const std::filesystem::path& p) const;  // written to p.tmp, renamed
  static Activity load(const std::filesystem::path& p);
  // Reads only the reusable flag; false if the file is absent or not an activity file.
  static bool file_reusable(const std::filesystem::path& p, bool* exists = nullptr);

 private:
  int64_t samples_ = 0;
  int timesteps_ = 0;
  int64_t input_size_ = 0;
  size_t input_words_ = 0, step_words_ = 0;
  std::vector<Pop> pops_;
  std::vector<int> pop_slot_;
  std::vector<uint64_t> bits_;
};

// Records the activity of one run of all the samples (ShardObserver of run_shard()).
class ActivityRecorder : public ShardObserver {
 public:
  // `input` serves the run's input values (as the chip reads them).
  ActivityRecorder(const Network& net, const Mapping& m, InputSource input, int64_t samples,
                   int timesteps);
  void begin(ChipRun& chip) override;
  void step(ChipRun& chip, const StepObservation& ob) override;
  // The recording, with the outputs of the run's result.
  Activity finish(const ShardResult& r);

 private:
  InputSource input_;
  Activity a_;
  std::vector<size_t> core_slot_;            // [core] -> index into a_.pops()
  std::vector<int64_t> core_start_;          // [core] -> first position of its slice in order space
  std::vector<std::vector<uint8_t>> flags_;  // [core] CoreModel::record_flags()
};

// What, besides the run options and the chip's computation, the recorded
// activity depends on in a mapping: per mapped population the order it is sliced
// in, and, for a population with two projections into the same population, its
// slice sizes (its cores interleave those projections' messages).
nlohmann::json activity_mapping_key(const Network& net, const Mapping& m);

// The chip parameters a recording depends on: the resolved chip without its
// placement and resources (mesh, cores per tile, neurons, axons, synapse
// memory), timing (noc, barrier, latency), prices (energy, static power) and
// name; on the float32 datapath also without the widths only a fixed datapath
// computes with (weight, state, fraction and decay bits). Any key not listed
// here stays in, so a new computation key is never reused by mistake.
nlohmann::json activity_chip_key(const ChipParams& chip);

// The chip parameters mapper v1 may depend on: the resolved chip without its
// timing and prices (noc, barrier, latency, energy, static power).
nlohmann::json mapping_chip_key(const ChipParams& chip);

// The counts and the order of events of `activity` on mapping `m`; replay()
// prices them with a chip's timing. Built once per (activity, mapping).
class ReplayPlan {
 public:
  ReplayPlan(const Network& net, const Mapping& m, const Activity& activity);
  ~ReplayPlan();
  // The ShardResult of the whole run on `chip` (whose mapping must be `m`).
  ShardResult replay(const ChipParams& chip) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Exact comparison of two results; "" when equal, else what differs first.
std::string compare_results(const ShardResult& a, const ShardResult& b);

}  // namespace nmsim
