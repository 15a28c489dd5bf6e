#include "sim/activity.h"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <systemc>

#include "hw_models/mesh_links.h"
#include "mapper/mapping_detail.h"

namespace nmsim {
namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'N', 'M', 'S', 'I', 'M', 'A', 'C', '1'};

size_t words_for(int64_t bits) { return static_cast<size_t>((bits + 63) / 64); }

void set_bit(uint64_t* w, int64_t i) { w[i >> 6] |= uint64_t{1} << (i & 63); }

// Calls f(bits, first) for the part of bitset w in [lo, lo + n) one word at a
// time: bit b of `bits` stands for position first + b.
template <class F>
void for_range(const uint64_t* w, int64_t lo, int64_t n, F f) {
  for (int64_t i = lo, end = lo + n; i < end;) {
    const int64_t bit = i & 63;
    const int64_t take = std::min<int64_t>(64 - bit, end - i);
    uint64_t v = w[i >> 6] >> bit;
    if (take < 64) v &= (uint64_t{1} << take) - 1;
    f(v, i);
    i += take;
  }
}

// Set bits of w in [lo, lo + n).
uint64_t popcount_range(const uint64_t* w, int64_t lo, int64_t n) {
  uint64_t c = 0;
  for_range(w, lo, n, [&](uint64_t v, int64_t) { c += static_cast<uint64_t>(std::popcount(v)); });
  return c;
}

// (i - lo) for every set bit i of w in [lo, lo + n), ascending, into `out`.
void set_bits_range(const uint64_t* w, int64_t lo, int64_t n, std::vector<uint32_t>& out) {
  out.clear();
  for_range(w, lo, n, [&](uint64_t v, int64_t first) {
    for (; v != 0; v &= v - 1)
      out.push_back(static_cast<uint32_t>(first + std::countr_zero(v) - lo));
  });
}

// A population's slice order as far as the neurons' order goes: position-major
// is the identity for a single channel or a single position.
SliceOrder effective_order(const Population& p, SliceOrder o) {
  if (p.shape.size() != 3 || p.shape[0] <= 1 || p.shape[1] * p.shape[2] <= 1)
    return SliceOrder::ChannelMajor;
  return o;
}

template <class T>
void put(std::ostream& os, const T& v) {
  os.write(reinterpret_cast<const char*>(&v), sizeof v);
}
template <class T>
void get(std::istream& is, T& v) {
  is.read(reinterpret_cast<char*>(&v), sizeof v);
}
template <class T>
void put_vec(std::ostream& os, const std::vector<T>& v) {
  put(os, static_cast<uint64_t>(v.size()));
  os.write(reinterpret_cast<const char*>(v.data()),
           static_cast<std::streamsize>(v.size() * sizeof(T)));
}
template <class T>
void get_vec(std::istream& is, std::vector<T>& v) {
  uint64_t n = 0;
  get(is, n);
  v.resize(n);
  is.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n * sizeof(T)));
}

// Adds the messages that the `fired` neurons (local indices) send through route
// table `rt` to per-destination-core tallies: messages in n[d], synaptic events
// (ops[e] per route entry) in syn[d]; destinations first reached go to `touched`.
void tally_routes(const RouteTable& rt, const uint64_t* ops, const std::vector<uint32_t>& fired,
                  uint64_t* n, uint64_t* syn, std::vector<uint32_t>& touched) {
  const uint32_t* row = rt.row_ptr.data();
  const CoreId* dests = rt.dests.data();
  for (const uint32_t f : fired) {
    const uint32_t end = row[f + 1];
    for (uint32_t e = row[f]; e < end; ++e) {
      const uint32_t d = idx(dests[e]);
      if (n[d]++ == 0) touched.push_back(d);
      syn[d] += ops[e];
    }
  }
}

Ctr synops_kind(ProjKind k) {
  return k == ProjKind::Conv    ? Ctr::synops_conv
         : k == ProjKind::Dense ? Ctr::synops_dense
                                : Ctr::synops_sparse;
}

}  // namespace

// ------------------------------------------------------------------ Activity

Activity::Activity(const Network& net, const Mapping& m, int64_t samples, int timesteps)
    : samples_(samples), timesteps_(timesteps) {
  input_size_ = net.pop(net.input).size;
  input_words_ = words_for(input_size_);
  pop_slot_.assign(net.pops.size(), -1);
  size_t off = input_words_;
  for (PopId p : net.order) {
    const auto& cores = m.pop_cores[idx(p)];
    if (cores.empty()) continue;
    Pop q;
    q.pop = p;
    q.size = net.pop(p).size;
    q.order = m.slices[idx(cores.front())].order;
    q.spiking = is_spiking(net.pop(p).model);
    q.words = words_for(q.size);
    q.offset = off;
    off += 3 * q.words;
    pop_slot_[idx(p)] = static_cast<int>(pops_.size());
    pops_.push_back(q);
  }
  step_words_ = off;
  bits_.assign(static_cast<size_t>(samples_ * timesteps_) * step_words_, 0);
}

void Activity::save(const fs::path& p) const {
  const fs::path tmp = p.string() + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream os(tmp, std::ios::binary);
    os.write(kMagic, sizeof kMagic);
    put(os, static_cast<uint8_t>(reusable));
    put(os, samples_);
    put(os, static_cast<int64_t>(timesteps_));
    put(os, input_size_);
    put(os, static_cast<uint64_t>(pops_.size()));
    for (const Pop& q : pops_) {
      put(os, static_cast<uint32_t>(idx(q.pop)));
      put(os, q.size);
      put(os, static_cast<uint8_t>(q.order));
      put(os, static_cast<uint8_t>(q.spiking));
    }
    put(os, static_cast<uint64_t>(pop_slot_.size()));
    put(os, outputs);
    put_vec(os, output_sum);
    put_vec(os, bits_);
    if (!os) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, p);
}

bool Activity::file_reusable(const fs::path& p, bool* exists) {
  std::ifstream is(p, std::ios::binary);
  if (exists != nullptr) *exists = static_cast<bool>(is);
  char magic[sizeof kMagic] = {};
  uint8_t reusable = 0;
  is.read(magic, sizeof magic);
  get(is, reusable);
  return is && std::memcmp(magic, kMagic, sizeof kMagic) == 0 && reusable == 1;
}

Activity Activity::load(const fs::path& p) {
  std::ifstream is(p, std::ios::binary);
  char magic[sizeof kMagic] = {};
  is.read(magic, sizeof magic);
  if (!is || std::memcmp(magic, kMagic, sizeof kMagic) != 0)
    throw std::runtime_error(p.string() + ": not an nmsim activity file");
  Activity a;
  uint8_t reusable = 0;
  int64_t T = 0;
  uint64_t npops = 0, nslots = 0;
  get(is, reusable);
  get(is, a.samples_);
  get(is, T);
  get(is, a.input_size_);
  get(is, npops);
  a.timesteps_ = static_cast<int>(T);
  a.reusable = reusable == 1;
  a.input_words_ = words_for(a.input_size_);
  size_t off = a.input_words_;
  for (uint64_t k = 0; k < npops; ++k) {
    Pop q;
    uint32_t pop = 0;
    uint8_t order = 0, spiking = 0;
    get(is, pop);
    get(is, q.size);
    get(is, order);
    get(is, spiking);
    q.pop = static_cast<PopId>(pop);
    q.order = static_cast<SliceOrder>(order);
    q.spiking = spiking != 0;
    q.words = words_for(q.size);
    q.offset = off;
    off += 3 * q.words;
    a.pops_.push_back(q);
  }
  get(is, nslots);
  a.pop_slot_.assign(nslots, -1);
  for (size_t k = 0; k < a.pops_.size(); ++k)
    a.pop_slot_.at(idx(a.pops_[k].pop)) = static_cast<int>(k);
  a.step_words_ = off;
  get(is, a.outputs);
  get_vec(is, a.output_sum);
  get_vec(is, a.bits_);
  if (!is || a.bits_.size() != static_cast<size_t>(a.samples_ * a.timesteps_) * a.step_words_)
    throw std::runtime_error(p.string() + ": truncated activity file");
  return a;
}

// ------------------------------------------------------------------ recording

ActivityRecorder::ActivityRecorder(const Network& net, const Mapping& m, InputSource input,
                                   int64_t samples, int timesteps)
    : input_(std::move(input)), a_(net, m, samples, timesteps) {
  core_slot_.assign(m.slices.size(), 0);
  core_start_.assign(m.slices.size(), 0);
  for (size_t k = 0; k < a_.pops().size(); ++k) {
    const Activity::Pop& q = a_.pops()[k];
    const std::vector<uint32_t> perm = detail::neuron_order(net.pop(q.pop), q.order);
    int64_t pos = 0;
    for (CoreId c : m.pop_cores[idx(q.pop)]) {
      const auto& neurons = m.slices[idx(c)].neurons;
      if (!std::equal(neurons.begin(), neurons.end(), perm.begin() + pos))
        throw std::logic_error("activity recording: core " + std::to_string(idx(c)) +
                               " does not hold a run of its layer in slice order");
      core_slot_[idx(c)] = k;
      core_start_[idx(c)] = pos;
      pos += static_cast<int64_t>(neurons.size());
    }
  }
}

void ActivityRecorder::begin(ChipRun& chip) {
  flags_.resize(chip.cores().size());
  for (size_t c = 0; c < flags_.size(); ++c) chip.cores()[c]->model().record_flags(&flags_[c]);
}

void ActivityRecorder::step(ChipRun& chip, const StepObservation& ob) {
  uint64_t* rec = a_.step(ob.sample, ob.t);
  const std::span<const float> x = input_(ob.sample, ob.t);
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i] != 0.0f) set_bit(rec, static_cast<int64_t>(i));
  for (size_t c = 0; c < flags_.size(); ++c) {
    const size_t k = core_slot_[c];
    const int64_t start = core_start_[c];
    uint64_t* sent = rec + a_.bitset(k, Activity::kSent);
    uint64_t* upd = rec + a_.bitset(k, Activity::kUpdated);
    uint64_t* act = rec + a_.bitset(k, Activity::kActive);
    for (uint32_t i : chip.cores()[c]->fired()) set_bit(sent, start + i);
    const auto& f = flags_[c];
    for (size_t j = 0; j < f.size(); ++j) {
      if (f[j] & 1) set_bit(upd, start + static_cast<int64_t>(j));
      if (f[j] & 2) set_bit(act, start + static_cast<int64_t>(j));
    }
  }
}

Activity ActivityRecorder::finish(const ShardResult& r) {
  a_.output_sum = r.output_sum;
  a_.outputs = r.outputs;
  return std::move(a_);
}

// ------------------------------------------------------------------ keys

nlohmann::json activity_mapping_key(const Network& net, const Mapping& m) {
  nlohmann::json j = nlohmann::json::array();
  for (PopId p : net.order) {
    const auto& cores = m.pop_cores[idx(p)];
    if (cores.empty()) continue;
    const Population& pop = net.pop(p);
    nlohmann::json e = {
        {"pop", pop.name},
        {"order", to_string(effective_order(pop, m.slices[idx(cores.front())].order))}};
    const std::vector<uint32_t> out = net.outgoing(p);
    bool shared_target = false;
    for (size_t a = 0; a < out.size(); ++a)
      for (size_t b = a + 1; b < out.size(); ++b)
        shared_target = shared_target || net.projs[out[a]].dst == net.projs[out[b]].dst;
    if (shared_target) {
      nlohmann::json sizes = nlohmann::json::array();
      for (CoreId c : cores) sizes.push_back(m.slices[idx(c)].size());
      e["slices"] = sizes;
    }
    j.push_back(e);
  }
  return j;
}

nlohmann::json activity_chip_key(const ChipParams& chip) {
  nlohmann::json j = chip.to_json();
  for (const char* k : {"file", "name", "tiles", "cores", "mesh", "cores_per_tile", "noc",
                        "barrier", "static_power", "energy", "latency"})
    j.erase(k);
  if (j.contains("core")) {
    auto& core = j["core"];
    for (const char* k : {"neurons", "axons", "synapse_memory_bytes"}) core.erase(k);
    if (chip.core.datapath == "float32")
      for (const char* k : {"weight_bits", "state_bits", "v_frac_bits", "decay_bits"})
        core.erase(k);
  }
  return j;
}

nlohmann::json mapping_chip_key(const ChipParams& chip) {
  nlohmann::json j = chip.to_json();
  for (const char* k : {"file", "noc", "barrier", "static_power", "energy", "latency"}) j.erase(k);
  return j;
}

// ------------------------------------------------------------------ replay

struct ReplayPlan::Impl {
  struct CoreInfo {
    int64_t start = 0, n = 0;  // slice range in its population's order space
    size_t slot = 0;           // index into Activity::pops()
    bool spiking = true;
  };
  // One core's neuron update in a timestep, followed by `batches` sends.
  struct Update {
    uint64_t updated = 0, active = 0, spikes = 0;
    uint32_t batches = 0;
  };
  // One transaction: the messages of one projection from one core to one core.
  struct Batch {
    uint32_t src = 0, dst = 0;
    uint64_t n = 0, ops = 0;  // messages, synaptic events at the destination
    uint16_t ew = 0, ns = 0;
    Ctr kind = Ctr::synops_sparse;
  };

  const Mapping& m;
  int64_t N = 0;
  int T = 0;
  std::vector<CoreInfo> info;
  std::vector<uint32_t> proc_order;   // cores in the order the sequencer updates them
  std::vector<uint32_t> input_cores;  // cores fed by the Input, ascending
  std::vector<Update> updates;        // [s][t][proc_order]
  std::vector<Batch> batches;         // in send order
  std::vector<uint64_t> input_ops;    // [s][t][input_cores]
  std::vector<CoreCounters> cores, steps;
  std::vector<float> output_sum;
  int64_t outputs = 0;
  int tiles_used = 0;

  Impl(const Network& net, const Mapping& map, const Activity& a);
  ShardResult replay(const ChipParams& chip) const;
};

ReplayPlan::Impl::Impl(const Network& net, const Mapping& map, const Activity& a)
    : m(map), N(a.samples()), T(a.timesteps()) {
  const size_t ncores = m.slices.size();
  info.resize(ncores);
  for (PopId p : net.order) {
    const auto& cs = m.pop_cores[idx(p)];
    if (cs.empty()) continue;
    const int k = a.pop_index(p);
    if (k < 0) throw std::logic_error("replay: layer '" + net.pop(p).name + "' was not recorded");
    const Activity::Pop& q = a.pops()[k];
    const std::vector<uint32_t> perm = detail::neuron_order(net.pop(p), q.order);
    int64_t pos = 0;
    for (CoreId c : cs) {
      const auto& neurons = m.slices[idx(c)].neurons;
      if (pos + static_cast<int64_t>(neurons.size()) > q.size ||
          !std::equal(neurons.begin(), neurons.end(), perm.begin() + pos))
        throw std::logic_error("replay: core " + std::to_string(idx(c)) +
                               " does not hold a run of its layer in the recorded order");
      info[idx(c)] = {pos, static_cast<int64_t>(neurons.size()), static_cast<size_t>(k), q.spiking};
      pos += static_cast<int64_t>(neurons.size());
      proc_order.push_back(idx(c));
    }
  }
  std::vector<int> tiles;
  for (const CorePlace& pl : m.places) tiles.push_back(pl.tile);
  std::sort(tiles.begin(), tiles.end());
  tiles_used = static_cast<int>(std::unique(tiles.begin(), tiles.end()) - tiles.begin());

  // Which core holds each neuron, per population.
  std::vector<std::vector<uint32_t>> owner(net.pops.size());
  auto owners = [&](PopId p) -> const std::vector<uint32_t>& {
    auto& o = owner[idx(p)];
    if (o.empty()) {
      o.assign(net.pop(p).size, UINT32_MAX);
      for (CoreId c : m.pop_cores[idx(p)])
        for (uint32_t i : m.slices[idx(c)].neurons) o[i] = idx(c);
    }
    return o;
  };

  // Input: per input value, the input cores it reaches and with how many
  // synapses there (what CoreModel::receive_input() walks).
  std::vector<std::vector<std::pair<uint32_t, uint64_t>>> in_syn(
      static_cast<size_t>(a.input_size()));  // [input index] -> (input core slot, synapses)
  std::vector<int> in_slot(ncores, -1);
  for (size_t c = 0; c < ncores; ++c)
    for (uint32_t j : net.incoming(m.slices[c].pop))
      if (net.pop(net.projs[j].src).model == NeuronModel::Input && in_slot[c] < 0) {
        in_slot[c] = static_cast<int>(input_cores.size());
        input_cores.push_back(static_cast<uint32_t>(c));
      }
  std::vector<PopId> fed;  // populations fed by the Input, each once
  for (uint32_t c : input_cores)
    if (std::find(fed.begin(), fed.end(), m.slices[c].pop) == fed.end())
      fed.push_back(m.slices[c].pop);
  for (PopId pop : fed) {
    const auto& own = owners(pop);
    for (uint32_t j : net.incoming(pop)) {
      const Projection& pr = net.projs[j];
      if (net.pop(pr.src).model != NeuronModel::Input) continue;
      for (size_t i = 0; i + 1 < pr.row_ptr.size() && i < in_syn.size(); ++i)
        for (uint64_t s = pr.row_ptr[i]; s < pr.row_ptr[i + 1]; ++s) {
          const auto k = static_cast<uint32_t>(in_slot[own[pr.synapses[s].post]]);
          auto& list = in_syn[i];
          auto it = std::find_if(list.begin(), list.end(), [&](auto& e) { return e.first == k; });
          if (it == list.end())
            list.emplace_back(k, 1);
          else
            ++it->second;
        }
    }
  }

  // Routes: per core and route table entry (rt.dests), the synapses of that
  // neuron's projection on that destination core.
  std::vector<std::vector<std::vector<uint64_t>>> route_ops(ncores);
  std::vector<uint64_t> tally(ncores, 0);
  for (size_t c = 0; c < ncores; ++c) {
    const Slice& sl = m.slices[c];
    for (const RouteTable& rt : m.routes[c]) {
      const Projection& pr = net.projs[rt.proj];
      const auto& own = owners(pr.dst);
      std::vector<uint64_t> ops(rt.dests.size(), 0);
      for (size_t k = 0; k < sl.neurons.size(); ++k) {
        const uint32_t pre = sl.neurons[k];
        for (uint64_t s = pr.row_ptr[pre]; s < pr.row_ptr[pre + 1]; ++s)
          ++tally[own[pr.synapses[s].post]];
        uint64_t listed = 0;
        for (uint32_t e = rt.row_ptr[k]; e < rt.row_ptr[k + 1]; ++e) {
          ops[e] = tally[idx(rt.dests[e])];
          listed += ops[e];
          tally[idx(rt.dests[e])] = 0;
        }
        if (listed != pr.fan_out(pre))
          throw std::logic_error("replay: routes of core " + std::to_string(c) +
                                 " miss synapses of projection " + pr.name);
      }
      route_ops[c].push_back(std::move(ops));
    }
  }

  cores.assign(ncores, CoreCounters{});
  steps.assign(T, CoreCounters{});
  output_sum = a.output_sum;
  outputs = a.outputs;
  updates.reserve(static_cast<size_t>(N * T) * proc_order.size());
  input_ops.reserve(static_cast<size_t>(N * T) * input_cores.size());
  std::vector<uint32_t> fired, touched;
  std::vector<uint64_t> bn(ncores, 0), bops(ncores, 0);
  std::vector<uint32_t> in_nz;
  for (int64_t s = 0; s < N; ++s)
    for (int t = 0; t < T; ++t) {
      const uint64_t* rec = a.step(s, t);
      CoreCounters& st = steps[t];
      set_bits_range(rec, 0, a.input_size(), in_nz);
      const size_t first_input = input_ops.size();
      input_ops.resize(first_input + input_cores.size(), 0);
      for (uint32_t i : in_nz)
        for (const auto& [k, n] : in_syn[i]) input_ops[first_input + k] += n;
      for (size_t k = 0; k < input_cores.size(); ++k) {
        const uint64_t ops = input_ops[first_input + k];
        for (CoreCounters* cc : {&cores[input_cores[k]], &st}) {
          (*cc)[Ctr::input_synops] += ops;
          (*cc)[Ctr::synapse_reads] += ops;
        }
      }
      for (uint32_t c : proc_order) {
        const CoreInfo& ci = info[c];
        const uint64_t n = static_cast<uint64_t>(ci.n);
        Update u;
        u.updated = popcount_range(rec + a.bitset(ci.slot, Activity::kUpdated), ci.start, ci.n);
        u.active = popcount_range(rec + a.bitset(ci.slot, Activity::kActive), ci.start, ci.n);
        set_bits_range(rec + a.bitset(ci.slot, Activity::kSent), ci.start, ci.n, fired);
        u.spikes = ci.spiking ? fired.size() : 0;
        for (CoreCounters* cc : {&cores[c], &st}) {
          (*cc)[Ctr::soma_accesses] += n;
          (*cc)[Ctr::neuron_updates] += u.updated;
          (*cc)[Ctr::neuron_updates_active] += u.active;
          (*cc)[Ctr::neuron_updates_inactive] += n - u.active;
          (*cc)[Ctr::neuron_state_reads] += n;
          (*cc)[Ctr::neuron_state_writes] += u.active;
          (*cc)[Ctr::barrier_syncs] += 1;
          (*cc)[Ctr::spikes] += u.spikes;
        }
        const size_t first_batch = batches.size();
        if (!fired.empty()) {
          const CorePlace& here = m.places[c];
          for (size_t r = 0; r < m.routes[c].size(); ++r) {
            const RouteTable& rt = m.routes[c][r];
            tally_routes(rt, route_ops[c][r].data(), fired, bn.data(), bops.data(), touched);
            std::sort(touched.begin(), touched.end());
            const Ctr kind = synops_kind(net.projs[rt.proj].kind);
            for (uint32_t d : touched) {
              const Hops h = hops_between(here, m.places[d]);
              Batch b{
                  c,   d, bn[d], bops[d], static_cast<uint16_t>(h.ew), static_cast<uint16_t>(h.ns),
                  kind};
              batches.push_back(b);
              CoreCounters& src = cores[c];
              CoreCounters& dst = cores[d];
              for (CoreCounters* cc : {&src, &st}) {
                (*cc)[Ctr::messages] += b.n;
                (*cc)[Ctr::packets] += 1;
                (*cc)[Ctr::hops_ew] += b.n * h.ew;
                (*cc)[Ctr::hops_ns] += b.n * h.ns;
                if (!ci.spiking) (*cc)[Ctr::graded_messages] += b.n;
                if (h.ew == 0 && h.ns == 0) (*cc)[Ctr::messages_local] += b.n;
              }
              for (CoreCounters* cc : {&dst, &st}) {
                (*cc)[Ctr::synops] += b.ops;
                (*cc)[kind] += b.ops;
                (*cc)[Ctr::synapse_reads] += b.ops;
                (*cc)[Ctr::messages_received] += b.n;
              }
              bn[d] = 0;
              bops[d] = 0;
            }
            touched.clear();
          }
        }
        u.batches = static_cast<uint32_t>(batches.size() - first_batch);
        updates.push_back(u);
      }
    }
}

ShardResult ReplayPlan::Impl::replay(const ChipParams& chip) const {
  using sc_core::SC_SEC;
  using sc_core::sc_time;
  const size_t ncores = info.size();
  const auto w = chip.latency_per_counter();
  auto cost = [&](Ctr c, uint64_t n) { return static_cast<double>(n) * w[static_cast<size_t>(c)]; };
  const double barrier_s = chip.barrier.latency_for(tiles_used);

  ShardResult r;
  r.init(ncores, outputs, T, N);
  r.cores = cores;
  r.steps = steps;
  r.output_sum = output_sum;
  MeshLinks links(chip.mesh.width, chip.mesh.height, chip.noc);
  std::vector<double> now(ncores, 0.0);
  size_t ui = 0, bi = 0, ii = 0;
  for (int64_t s = 0; s < N; ++s)
    for (int t = 0; t < T; ++t) {
      // ChipRun::run(): a new timestep, the input, the cores in network order.
      links.reset();
      std::fill(now.begin(), now.end(), 0.0);
      for (uint32_t c : input_cores) {
        const uint64_t ops = input_ops[ii++];
        now[c] += cost(Ctr::input_synops, ops) + cost(Ctr::synapse_reads, ops);
      }
      for (uint32_t c : proc_order) {
        const Update& u = updates[ui++];
        const CoreInfo& ci = info[c];
        const auto n = static_cast<uint64_t>(ci.n);
        // CoreModel::update()
        double busy = cost(Ctr::soma_accesses, n) + cost(Ctr::neuron_updates, u.updated) +
                      cost(Ctr::neuron_updates_active, u.active) +
                      cost(Ctr::neuron_updates_inactive, n - u.active) +
                      cost(Ctr::neuron_state_reads, n) + cost(Ctr::neuron_state_writes, u.active) +
                      cost(Ctr::barrier_syncs, 1);
        if (ci.spiking) busy += cost(Ctr::spikes, u.spikes);
        now[c] += busy;
        // Core::update_and_send(), MeshNoc::b_transport(), Core::b_transport()
        for (uint32_t k = 0; k < u.batches; ++k) {
          const Batch& b = batches[bi++];
          now[b.src] += cost(Ctr::messages, b.n) + cost(Ctr::packets, 1) +
                        cost(Ctr::hops_ew, b.n * b.ew) + cost(Ctr::hops_ns, b.n * b.ns);
          if (!ci.spiking) now[b.src] += cost(Ctr::graded_messages, b.n);
          if (b.ew == 0 && b.ns == 0) now[b.src] += cost(Ctr::messages_local, b.n);
          const double tt = links.deliver(m.places[b.src], m.places[b.dst],
                                          sc_time(now[b.src], SC_SEC).to_seconds(), b.n);
          const double arrival = sc_time(tt, SC_SEC).to_seconds();
          const double rbusy = cost(Ctr::synops, b.ops) + cost(b.kind, b.ops) +
                               cost(Ctr::synapse_reads, b.ops) + cost(Ctr::messages_received, b.n);
          now[b.dst] = std::max(now[b.dst], arrival) + rbusy;
        }
      }
      double busiest = 0;
      for (double v : now) busiest = std::max(busiest, v);
      busiest = std::max(busiest, links.last_delivery_s());
      r.step_latency_s[s * T + t] = busiest + barrier_s;
    }
  return r;
}

ReplayPlan::ReplayPlan(const Network& net, const Mapping& m, const Activity& activity)
    : impl_(std::make_unique<Impl>(net, m, activity)) {}
ReplayPlan::~ReplayPlan() = default;
ShardResult ReplayPlan::replay(const ChipParams& chip) const { return impl_->replay(chip); }

std::string compare_results(const ShardResult& a, const ShardResult& b) {
  if (a.count != b.count || a.timesteps != b.timesteps || a.outputs != b.outputs)
    return "samples, timesteps or outputs";
  if (a.cores.size() != b.cores.size()) return "number of cores";
  const auto names = all_counter_names();
  for (size_t c = 0; c < a.cores.size(); ++c)
    for (size_t k = 0; k < kNumCounters; ++k)
      if (a.cores[c].v[k] != b.cores[c].v[k])
        return "core " + std::to_string(c) + " " + names[k] + ": " +
               std::to_string(a.cores[c].v[k]) + " vs " + std::to_string(b.cores[c].v[k]);
  for (size_t t = 0; t < a.steps.size(); ++t)
    if (a.steps[t].v != b.steps[t].v) return "timestep " + std::to_string(t) + " counters";
  for (size_t i = 0; i < a.step_latency_s.size(); ++i)
    if (std::memcmp(&a.step_latency_s[i], &b.step_latency_s[i], sizeof(double)) != 0) {
      std::ostringstream os;
      os.precision(17);
      os << "latency of step " << i << ": " << a.step_latency_s[i] << " vs " << b.step_latency_s[i];
      return os.str();
    }
  if (a.output_sum.size() != b.output_sum.size() ||
      std::memcmp(a.output_sum.data(), b.output_sum.data(), a.output_sum.size() * sizeof(float)) !=
          0)
    return "output sums";
  return "";
}

}  // namespace nmsim
