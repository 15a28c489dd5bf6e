#include "sim/sweep.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <list>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "hw_models/ann_accelerator.h"
#include "hw_models/config.h"
#include "mapper/mapping.h"
#include "sim/activity.h"
#include "sim/ann_run.h"
#include "sim/inputs.h"
#include "sim/results.h"
#include "sim/sweep_spec.h"
#include "sim/sweep_store.h"
#include "workloads/errors.h"
#include "workloads/nir_reader.h"

#ifdef NMSIM_HAVE_MPI
#include <boost/mpi.hpp>
#endif

namespace nmsim {
namespace fs = std::filesystem;
using json = nlohmann::json;

bool sweep_has_mpi() {
#ifdef NMSIM_HAVE_MPI
  return true;
#else
  return false;
#endif
}

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// ------------------------------------------------------------------ framing
// A message between coordinator and worker: 4-byte length, then JSON text.

bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    // A peer that has gone is an error to report, not a SIGPIPE that kills the sweep.
    const ssize_t k = ::send(fd, p, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}

bool read_all(int fd, char* p, size_t n) {
  while (n > 0) {
    const ssize_t k = ::read(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}

bool send_msg(int fd, const std::string& s) {
  const uint32_t n = static_cast<uint32_t>(s.size());
  return write_all(fd, reinterpret_cast<const char*>(&n), 4) && write_all(fd, s.data(), s.size());
}

bool recv_msg(int fd, std::string& s) {
  uint32_t n = 0;
  if (!read_all(fd, reinterpret_cast<char*>(&n), 4)) return false;
  s.resize(n);
  return read_all(fd, s.data(), n);
}

// A small file's text; "" when it is absent.
std::string read_text(const fs::path& p) {
  std::ifstream is(p);
  return std::string((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
}

// Dies with its parent, so that killing the sweep stops everything it started.
void die_with_parent(pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);
}

// ------------------------------------------------------------------ shared data
// What every configuration of a model shares: the network, its inputs and the
// ANN baseline. Loaded before the workers fork, so they share it.

struct ModelData {
  std::string path, hash;
  Network net;
  std::unique_ptr<InputSet> inputs;
  std::unique_ptr<AnnAccelerator> ann;
  AnnResult ann_result;
};

class SweepContext {
 public:
  explicit SweepContext(const SweepSpec& spec) : spec_(spec) {
    std::vector<std::string> models = {spec.base.model};
    for (const SweepAxis& a : spec.axes)
      if (a.key == "model") models = a.resolved;
    const AnnAcceleratorParams ann = [&] {
      return load_ann_accelerator(spec.base.ann_hw, spec.base.ann_overrides);
    }();
    for (const std::string& m : models) {
      auto d = std::make_unique<ModelData>();
      d->path = m;
      auto fail = [&](const std::string& key, const std::string& what) {
        throw InputError(spec.file + ": " + key + ": " + what);
      };
      try {
        d->hash = file_hash(m, "model");
        d->net = read_nir(m);
        check_delays(d->net, spec.base.dt);
      } catch (const InputError& e) {
        fail("model", e.what());
      }
      RunOptions o = spec.base;
      o.model = m;
      try {
        d->inputs = std::make_unique<InputSet>(InputSet::open(o, d->net, o.timesteps_given));
      } catch (const InputError& e) {
        fail(o.data.empty() ? "input" : "data", e.what());
      }
      d->ann = std::make_unique<AnnAccelerator>(ann);
      d->ann_result = d->ann->run(measured_ann_layers(d->net, *d->inputs, ann));
      models_[m] = std::move(d);
    }
  }
  const SweepSpec& spec() const { return spec_; }
  const ModelData& model(const std::string& path) const { return *models_.at(path); }

 private:
  const SweepSpec& spec_;
  std::map<std::string, std::unique_ptr<ModelData>> models_;
};

// ------------------------------------------------------------------ worker

class Worker {
 public:
  Worker(const SweepContext& ctx, fs::path dir, std::string name)
      : ctx_(ctx), spec_(ctx.spec()), dir_(std::move(dir)), name_(std::move(name)) {
    scratch_ = dir_ / ".work" / name_;
  }

  json handle(const json& task) {
    const std::string type = task.at("type");
    json out = {{"results", json::array()}};
    if (type == "record") {
      out["results"].push_back(record(task.at("config").get<size_t>(), out));
      return out;
    }
    for (size_t i : task.at("configs").get<std::vector<size_t>>()) {
      const double t0 = now_s();
      json r = {{"i", i}};
      try {
        if (type == "plan")
          r = plan(i);
        else if (type == "replay")
          r = replay(i);
        else
          r = full(i);
      } catch (const InputError& e) {
        r = {{"i", i}, {"status", e.what()}, {"method", "infeasible"}};
      } catch (const std::exception& e) {
        r = {{"i", i}, {"failed", e.what()}};
      }
      r["wall_s"] = now_s() - t0;
      out["results"].push_back(r);
    }
    return out;
  }

 private:
  struct MapEntry {
    std::shared_ptr<const Mapping> mapping;
    std::string error;  // the mapper's reason when the network does not fit
    std::string key;
  };
  // One configuration, ready to run.
  struct Prepared {
    RunOptions o;
    ChipParams chip;
    const ModelData* md = nullptr;
    std::shared_ptr<const MapEntry> map;
    std::string akey;
  };

  // Chip, mapping and activity key of configuration i; throws InputError when
  // the configuration cannot run (its reason goes in its row).
  Prepared prepare(size_t i) {
    Prepared p;
    p.o = config_run_options(spec_, i);
    p.md = &ctx_.model(p.o.model);
    try {
      p.chip = load_chip(p.o.hw, p.o.overrides);
    } catch (const InputError& e) {
      throw InputError(std::string("invalid configuration: ") + e.what());
    }
    const std::string mkey = hash128(p.md->hash + mapping_chip_key(p.chip).dump());
    auto it = maps_.find(mkey);
    if (it == maps_.end()) {
      auto e = std::make_shared<MapEntry>();
      e->key = mkey;
      try {
        e->mapping = std::make_shared<const Mapping>(map_network(p.md->net, p.chip));
      } catch (const InputError& err) {
        e->error = err.what();
      }
      if (maps_.size() > 64) maps_.clear();
      it = maps_.emplace(mkey, e).first;
    }
    p.map = it->second;
    if (!p.map->error.empty()) throw InputError(p.map->error);
    const RunOptions& o = p.o;
    const json run = {{"model", p.md->hash},
                      {"data", o.data},
                      {"input", spec_.canonical["input"]},
                      {"samples", o.samples},
                      {"first_sample", o.first_sample},
                      {"timesteps", o.timesteps},
                      {"dt", o.dt},
                      {"reset", o.reset},
                      {"layer_delay", o.layer_delay},
                      {"encoding", o.encoding},
                      {"seed", o.seed}};
    p.akey = hash128(json{{"run", run},
                          {"chip", activity_chip_key(p.chip)},
                          {"mapping", activity_mapping_key(p.md->net, *p.map->mapping)}}
                         .dump());
    return p;
  }

  fs::path activity_path(const std::string& akey) const {
    return dir_ / "activity" / (akey + ".act");
  }

  json plan(size_t i) {
    const Prepared p = prepare(i);
    bool exists = false;
    const bool reusable = Activity::file_reusable(activity_path(p.akey), &exists);
    return {{"i", i},
            {"akey", p.akey},
            {"mkey", p.map->key},
            {"activity", !exists    ? "none"
                         : reusable ? "ready"
                                    : "noreuse"}};
  }

  // The row's figures: run.json's summary as nmsim run writes it for this
  // configuration (with keep_runs, the whole run directory is kept).
  json figures(const Prepared& p, const ShardResult& r, const std::string& hash) {
    nlohmann::ordered_json run;
    if (spec_.keep_runs) {
      const fs::path keep = dir_ / "runs" / hash;
      const fs::path part = keep.string() + ".partial";
      fs::remove_all(part);
      fs::create_directories(part);
      write_run_directory(part, p.o, p.md->net, *p.map->mapping, p.chip, r, *p.md->inputs,
                          *p.md->ann, p.md->ann_result, 0.0);
      fs::remove_all(keep);
      fs::rename(part, keep);
      std::ifstream is(keep / "run.json");
      run = nlohmann::ordered_json::parse(is);
    } else {
      run = run_json(p.o, p.md->net, *p.map->mapping, p.chip, r, *p.md->inputs, *p.md->ann,
                     p.md->ann_result);
    }
    const auto& summary = run.at("summary");
    json f = json::object();
    for (const SweepFigure& fig : kSweepFigures) {
      const std::string src = fig.source;
      const size_t dot = src.find('.');
      const auto& part = summary.at(src.substr(0, dot));
      const std::string key = src.substr(dot + 1);
      f[fig.column] = part.contains(key) ? json(part[key]) : json();
    }
    if (f["chips_used"].is_null()) f["chips_used"] = 1;  // one chip until multi-chip systems
    return f;
  }

  // Simulates configuration p on the SystemC chip in a child process; with
  // `record`, also records its activity and checks that it replays exactly.
  ShardResult simulate(const Prepared& p, bool record, std::string* why) {
    const fs::path rfile = scratch_ / "shard.bin", efile = scratch_ / "error.txt";
    fs::create_directories(scratch_);
    fs::create_directories(dir_ / "activity");
    fs::remove(rfile);
    fs::remove(efile);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed: " + std::string(std::strerror(errno)));
    if (pid == 0) {
      die_with_parent(parent);
      int code = 0;
      try {
        const ModelData& md = *p.md;
        const Mapping& m = *p.map->mapping;
        const int64_t n = md.inputs->samples();
        const int T = md.inputs->timesteps();
        ShardResult r;
        std::unique_ptr<ActivityRecorder> rec;
        if (record)
          rec = std::make_unique<ActivityRecorder>(
              md.net, m, [&](int64_t s, int t) { return md.inputs->step(s, t); }, n, T);
        run_shard(md.net, m, p.chip, dynamics_options(p.o, p.chip), p.o, *md.inputs, 0, n, nullptr,
                  nullptr, false, r, rec.get());
        if (rec) {
          Activity a = rec->finish(r);
          std::string diff;
          try {
            diff = compare_results(ReplayPlan(md.net, m, a).replay(p.chip), r);
          } catch (const std::exception& e) {
            diff = e.what();
          }
          a.reusable = diff.empty();
          if (!diff.empty()) std::ofstream(scratch_ / "selfcheck.txt") << diff;
          a.save(activity_path(p.akey));
        }
        r.save(rfile);
      } catch (const InputError& e) {
        std::ofstream(efile) << e.what();
        code = 2;
      } catch (const std::exception& e) {
        std::ofstream(efile) << e.what();
        code = 1;
      }
      ::_exit(code);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 2) throw InputError(read_text(efile));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      throw std::runtime_error(WIFSIGNALED(status) ? "chip simulation killed by signal " +
                                                         std::to_string(WTERMSIG(status))
                                                   : "chip simulation failed: " + read_text(efile));
    ShardResult r;
    r.load(rfile);
    if (record && why != nullptr) {
      *why = read_text(scratch_ / "selfcheck.txt");
      fs::remove(scratch_ / "selfcheck.txt");
    }
    return r;
  }

  json ok_row(size_t i, const Prepared& p, const ShardResult& r, const char* method) {
    return {{"i", i},
            {"status", "ok"},
            {"method", method},
            {"figures", figures(p, r, config_hash(spec_, i))}};
  }

  json record(size_t i, json& out) {
    const double t0 = now_s();
    json r;
    try {
      const Prepared p = prepare(i);
      std::string why;
      const ShardResult res = simulate(p, true, &why);
      r = ok_row(i, p, res, "record");
      out["akey"] = p.akey;
      out["reusable"] = why.empty();
      out["why"] = why;
    } catch (const InputError& e) {
      r = {{"i", i}, {"status", e.what()}, {"method", "infeasible"}};
    } catch (const std::exception& e) {
      r = {{"i", i}, {"failed", e.what()}};
    }
    r["wall_s"] = now_s() - t0;
    return r;
  }

  json full(size_t i) {
    const Prepared p = prepare(i);
    return ok_row(i, p, simulate(p, false, nullptr), "full");
  }

  json replay(size_t i) {
    const Prepared p = prepare(i);
    std::shared_ptr<const Activity> a = activity(p.akey);
    if (!a || !a->reusable) return full(i);
    const std::string pkey = p.akey + "/" + p.map->key;
    auto it = plans_.find(pkey);
    if (it == plans_.end()) {
      if (plans_.size() >= 2) plans_.erase(plans_.begin());  // they grow with the samples
      PlanEntry e{a, p.map, std::make_unique<ReplayPlan>(p.md->net, *p.map->mapping, *a)};
      it = plans_.emplace(pkey, std::move(e)).first;
    }
    return ok_row(i, p, it->second.plan->replay(p.chip), "replay");
  }

  std::shared_ptr<const Activity> activity(const std::string& akey) {
    auto it = activities_.find(akey);
    if (it != activities_.end()) return it->second;
    const fs::path path = activity_path(akey);
    if (!fs::exists(path)) return nullptr;
    if (activities_.size() >= 2) activities_.clear();
    auto a = std::make_shared<const Activity>(Activity::load(path));
    activities_[akey] = a;
    return a;
  }

  struct PlanEntry {
    std::shared_ptr<const Activity> activity;
    std::shared_ptr<const MapEntry> map;
    std::unique_ptr<ReplayPlan> plan;
  };

  const SweepContext& ctx_;
  const SweepSpec& spec_;
  fs::path dir_, scratch_;
  std::string name_;
  std::map<std::string, std::shared_ptr<const MapEntry>> maps_;
  std::map<std::string, std::shared_ptr<const Activity>> activities_;
  std::map<std::string, PlanEntry> plans_;
};

// Serves tasks from `fd` until it closes.
[[noreturn]] void worker_main(int fd, const SweepContext& ctx, const fs::path& dir,
                              const std::string& name) {
  int code = 0;
  try {
    Worker w(ctx, dir, name);
    std::string msg;
    while (recv_msg(fd, msg)) {
      json res;
      try {
        res = w.handle(json::parse(msg));
      } catch (const std::exception& e) {
        res = {{"error", e.what()}};
      }
      if (!send_msg(fd, res.dump())) break;
    }
  } catch (const std::exception& e) {
    std::cerr << "nmsim sweep: worker " << name << ": " << e.what() << "\n";
    code = 1;
  }
  std::cout.flush();
  std::cerr.flush();
  ::_exit(code);
}

struct LocalWorker {
  pid_t pid = -1;
  int fd = -1;
  std::string name;
};

// Forks n workers, each talking over a socket pair.
std::vector<LocalWorker> fork_workers(int n, const SweepContext& ctx, const fs::path& dir,
                                      const std::string& prefix) {
  std::vector<LocalWorker> ws;
  std::cout.flush();
  std::cerr.flush();
  const pid_t parent = ::getpid();
  for (int k = 0; k < n; ++k) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      throw std::runtime_error("socketpair failed: " + std::string(std::strerror(errno)));
    LocalWorker w;
    w.name = prefix + "w" + std::to_string(k);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed: " + std::string(std::strerror(errno)));
    if (pid == 0) {
      die_with_parent(parent);
      // Keep only the standard streams and the socket: no lock, database or
      // launcher descriptor of the coordinator stays open in a worker.
      int fd = sv[1];
      if (fd != 3) {
        ::dup2(fd, 3);
        fd = 3;
      }
      ::close_range(4, ~0U, 0);
      worker_main(fd, ctx, dir, w.name);
    }
    ::close(sv[1]);
    w.pid = pid;
    w.fd = sv[0];
    ws.push_back(w);
  }
  return ws;
}

void stop_workers(std::vector<LocalWorker>& ws) {
  for (auto& w : ws)
    if (w.fd >= 0) {
      ::close(w.fd);
      w.fd = -1;
    }
  for (auto& w : ws)
    if (w.pid > 0) {
      int st = 0;
      ::waitpid(w.pid, &st, 0);
      w.pid = -1;
    }
}

// ------------------------------------------------------------------ coordinator

class Coordinator {
 public:
  Coordinator(SweepStore& store, const std::vector<std::string>& hashes,
              const std::vector<size_t>& pending, bool reuse, bool quiet)
      : store_(store), hashes_(hashes), reuse_(reuse), quiet_(quiet) {
    total_ = pending.size();
    for (size_t i : pending) to_plan_.push_back(i);
    t0_ = now_s();
  }

  int add_slot(std::string name) {
    Slot slot;
    slot.name = std::move(name);
    slots_.push_back(std::move(slot));
    return static_cast<int>(slots_.size() - 1);
  }

  // The next task for an idle slot, or nothing for now.
  std::optional<json> next_task(int s) {
    Slot& slot = slots_[s];
    if (!slot.alive) return std::nullopt;
    const size_t n_slots = alive_slots();
    std::optional<json> t;
    if (!reuse_) {
      if (!to_plan_.empty()) {
        t = json{{"type", "full"}, {"configs", {to_plan_.front()}}};
        to_plan_.pop_front();
      }
    } else {
      t = record_task();
      if (!t && !to_plan_.empty()) {
        const size_t n = std::clamp<size_t>(to_plan_.size() / (2 * n_slots), 1, 32);
        std::vector<size_t> cfgs(to_plan_.begin(), to_plan_.begin() + n);
        to_plan_.erase(to_plan_.begin(), to_plan_.begin() + n);
        t = json{{"type", "plan"}, {"configs", cfgs}};
      }
      if (!t) t = replay_task(slot);
      if (!t) t = full_task();
    }
    if (t) {
      slot.busy = true;
      slot.task = *t;
      ++in_flight_;
    }
    return t;
  }

  void on_result(int s, const json& res) {
    Slot& slot = slots_[s];
    const json task = slot.task;
    slot.busy = false;
    slot.task = json();
    --in_flight_;
    if (res.contains("error")) {
      fail_task(task, res["error"].get<std::string>());
      return;
    }
    const std::string type = task.at("type");
    if (type == "record") {
      Key& k = keys_[task.at("akey").get<std::string>()];
      const bool reusable = res.value("reusable", false);
      k.state = reusable ? Key::Ready : Key::NoReuse;
      if (!reusable && !res.value("why", std::string()).empty() && !quiet_)
        std::cerr << "nmsim sweep: the recorded activity of configuration " << task["config"]
                  << " does not replay it exactly (" << res["why"].get<std::string>()
                  << "); its key's configurations are simulated in full\n";
    }
    for (const json& r : res.at("results")) {
      const size_t i = r.at("i");
      if (r.contains("failed")) {
        failed_.push_back({i, r["failed"].get<std::string>()});
        continue;
      }
      if (r.contains("akey")) {  // a plan
        Key& k = keys_[r["akey"].get<std::string>()];
        const std::string act = r["activity"];
        if (k.state == Key::Unknown && act == "ready") k.state = Key::Ready;
        if (k.state == Key::Unknown && act == "noreuse") k.state = Key::NoReuse;
        k.waiting.push_back({r["mkey"].get<std::string>(), i});
        continue;
      }
      SweepRow row;
      row.index = i;
      row.hash = hashes_[i];
      row.status = r.at("status");
      if (r.contains("figures")) row.figures = r["figures"];
      row.method = r.value("method", "");
      row.wall_s = r.value("wall_s", 0.0);
      row.worker = slot.name;
      store_.insert(row);
      ++done_;
      ++by_method_[row.method];
    }
    progress(false);
  }

  // A slot's worker is gone: its task's configurations fail.
  void on_slot_dead(int s, const std::string& why) {
    Slot& slot = slots_[s];
    slot.alive = false;
    if (slot.busy) {
      slot.busy = false;
      --in_flight_;
      fail_task(slot.task, "worker " + slot.name + " died: " + why);
      slot.task = json();
    }
  }

  bool finished() const { return in_flight_ == 0 && !work_left(); }
  bool stuck() const { return in_flight_ == 0 && work_left(); }
  size_t alive_slots() const {
    size_t n = 0;
    for (const auto& s : slots_) n += s.alive;
    return std::max<size_t>(n, 1);
  }
  bool slot_idle(int s) const { return slots_[s].alive && !slots_[s].busy; }
  bool slot_busy(int s) const { return slots_[s].alive && slots_[s].busy; }

  // Summary line; returns the exit code.
  int finish(const fs::path& dir) {
    progress(true);
    for (auto& [akey, k] : keys_)
      for (auto& w : k.waiting) failed_.push_back({w.second, "not run (no worker left)"});
    for (size_t i : to_plan_) failed_.push_back({i, "not run (no worker left)"});
    if (!failed_.empty()) {
      std::cerr << "nmsim sweep: " << failed_.size()
                << " configuration(s) failed and have no row; rerun to retry them:\n";
      for (size_t k = 0; k < failed_.size() && k < 5; ++k)
        std::cerr << "  configuration " << failed_[k].first << ": " << failed_[k].second << "\n";
    }
    std::cout << (dir / "results.sqlite").string() << "\n";
    return failed_.empty() ? 0 : 1;
  }

 private:
  struct Slot {
    std::string name;
    bool alive = true, busy = false;
    json task;
    std::string last_akey;
  };
  struct Key {
    enum State { Unknown, Recording, Ready, NoReuse } state = Unknown;
    std::vector<std::pair<std::string, size_t>> waiting;  // (mapping key, configuration)
  };

  bool work_left() const {
    if (!to_plan_.empty()) return true;
    for (const auto& [a, k] : keys_)
      if (!k.waiting.empty() && k.state != Key::Recording) return true;
    return false;
  }

  std::optional<json> record_task() {
    for (auto& [akey, k] : keys_)
      if (k.state == Key::Unknown && !k.waiting.empty()) {
        auto first = std::min_element(k.waiting.begin(), k.waiting.end(),
                                      [](auto& a, auto& b) { return a.second < b.second; });
        const size_t i = first->second;
        k.waiting.erase(first);
        k.state = Key::Recording;
        return json{{"type", "record"}, {"config", i}, {"akey", akey}};
      }
    return std::nullopt;
  }

  std::optional<json> replay_task(Slot& slot) {
    size_t ready = 0;
    for (auto& [akey, k] : keys_)
      if (k.state == Key::Ready) ready += k.waiting.size();
    if (ready == 0) return std::nullopt;
    // Prefer the activity this slot has loaded already.
    auto pick = keys_.end();
    if (auto it = keys_.find(slot.last_akey);
        it != keys_.end() && it->second.state == Key::Ready && !it->second.waiting.empty())
      pick = it;
    for (auto it = keys_.begin(); pick == keys_.end() && it != keys_.end(); ++it)
      if (it->second.state == Key::Ready && !it->second.waiting.empty()) pick = it;
    auto& w = pick->second.waiting;
    std::sort(w.begin(), w.end());  // same mapping together, then configuration order
    const size_t n = std::clamp<size_t>(ready / (2 * alive_slots()), 1, 32);
    std::vector<size_t> cfgs;
    for (size_t k = 0; k < n && k < w.size(); ++k) cfgs.push_back(w[k].second);
    w.erase(w.begin(), w.begin() + static_cast<long>(cfgs.size()));
    slot.last_akey = pick->first;
    return json{{"type", "replay"}, {"configs", cfgs}};
  }

  std::optional<json> full_task() {
    for (auto& [akey, k] : keys_)
      if (k.state == Key::NoReuse && !k.waiting.empty()) {
        const size_t i = k.waiting.back().second;
        k.waiting.pop_back();
        return json{{"type", "full"}, {"configs", {i}}};
      }
    return std::nullopt;
  }

  void fail_task(const json& task, const std::string& why) {
    if (task.is_null()) return;
    if (task["type"] == "record") {
      failed_.push_back({task["config"].get<size_t>(), why});
      keys_[task["akey"].get<std::string>()].state = Key::NoReuse;
      return;
    }
    for (size_t i : task["configs"].get<std::vector<size_t>>()) failed_.push_back({i, why});
  }

  void progress(bool final) {
    if (quiet_) return;
    const double t = now_s();
    if (!final && t - last_print_ < 2.0) return;
    last_print_ = t;
    const double el = t - t0_;
    std::cerr << "nmsim sweep: " << done_ << "/" << total_ << " configurations";
    std::string m;
    for (const auto& [k, v] : by_method_)
      m += (m.empty() ? "" : ", ") + std::to_string(v) + " " + k;
    if (!m.empty()) std::cerr << " (" << m << ")";
    std::cerr << ", " << static_cast<int>(el * 10) / 10.0 << " s";
    if (done_ > 0 && el > 0) std::cerr << ", " << static_cast<int>(done_ / el * 10) / 10.0 << "/s";
    std::cerr << "\n";
  }

  SweepStore& store_;
  const std::vector<std::string>& hashes_;
  bool reuse_, quiet_;
  std::vector<Slot> slots_;
  std::deque<size_t> to_plan_;
  std::map<std::string, Key> keys_;
  std::vector<std::pair<size_t, std::string>> failed_;
  std::map<std::string, size_t> by_method_;
  size_t total_ = 0, done_ = 0, in_flight_ = 0;
  double t0_ = 0, last_print_ = 0;
};

// Serves local workers until the coordinator is done. `extra` (the MPI side of
// rank 0) is called once per round to take remote results in and hand remote
// tasks out. Every round takes all results in before handing tasks out, so
// that "nothing in flight and nothing to hand out" means the sweep is stuck.
void serve_local(Coordinator& c, std::vector<LocalWorker>& ws, const std::vector<int>& slot_of,
                 const std::function<void()>& extra = {}) {
  for (;;) {
    std::vector<pollfd> pfd;
    std::vector<size_t> who;
    for (size_t k = 0; k < ws.size(); ++k)
      if (ws[k].fd >= 0 && c.slot_busy(slot_of[k])) {
        pfd.push_back({ws[k].fd, POLLIN, 0});
        who.push_back(k);
      }
    const int timeout = extra ? 2 : 1000;
    if (pfd.empty()) {
      if (extra) std::this_thread::sleep_for(std::chrono::milliseconds(timeout));
    } else if (::poll(pfd.data(), pfd.size(), timeout) > 0) {
      for (size_t q = 0; q < pfd.size(); ++q) {
        if (pfd[q].revents == 0) continue;
        const size_t k = who[q];
        std::string msg;
        if (!recv_msg(ws[k].fd, msg)) {
          ::close(ws[k].fd);
          ws[k].fd = -1;
          c.on_slot_dead(slot_of[k], "its process ended");
          continue;
        }
        c.on_result(slot_of[k], json::parse(msg));
      }
    }
    if (extra) extra();
    for (size_t k = 0; k < ws.size(); ++k) {
      const int s = slot_of[k];
      if (!c.slot_idle(s)) continue;
      if (auto t = c.next_task(s))
        if (!send_msg(ws[k].fd, t->dump())) c.on_slot_dead(s, "cannot send it a task");
    }
    if (c.finished() || c.stuck()) break;
  }
}

// Holds DIR/.lock for the life of the sweep.
class DirLock {
 public:
  explicit DirLock(const fs::path& dir) {
    const fs::path p = dir / ".lock";
    fd_ = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw InputError(dir.string() + ": cannot create " + p.string());
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0)
      throw InputError(dir.string() + ": another nmsim sweep is running on this directory");
  }
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  int fd_ = -1;
};

// Leftovers of an interrupted run: scratch directories and half-written activity files.
void clean_leftovers(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir / ".work", ec);
  if (fs::is_directory(dir / "activity"))
    for (const auto& e : fs::directory_iterator(dir / "activity"))
      if (e.path().string().find(".act.tmp.") != std::string::npos) fs::remove(e.path(), ec);
}

std::vector<std::string> all_hashes(const SweepSpec& spec) {
  std::vector<std::string> hashes;
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < spec.configs.size(); ++i) {
    hashes.push_back(config_hash(spec, i));
    auto [it, fresh] = seen.emplace(hashes.back(), i);
    if (!fresh)
      throw InputError(spec.file + ": configurations " + std::to_string(it->second) + " and " +
                       std::to_string(i) +
                       " are the same (two axis values name the same file or chip)");
  }
  return hashes;
}

std::vector<size_t> pending_configs(const SweepStore& store,
                                    const std::vector<std::string>& hashes) {
  const std::set<std::string> done = store.done();
  std::vector<size_t> pending;
  for (size_t i = 0; i < hashes.size(); ++i)
    if (!done.count(hashes[i])) pending.push_back(i);
  return pending;
}

int default_jobs() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

int run_local(const SweepOptions& o, const SweepSpec& spec, const SweepContext& ctx,
              const std::vector<std::string>& hashes) {
  const fs::path dir(o.out);
  fs::create_directories(dir);
  DirLock lock(dir);
  SweepStore store(dir, spec, hashes);
  clean_leftovers(dir);
  const std::vector<size_t> pending = pending_configs(store, hashes);
  if (!o.quiet)
    std::cerr << "nmsim sweep: " << spec.configs.size() << " configurations, "
              << spec.configs.size() - pending.size() << " already done\n";
  int code = 0;
  if (!pending.empty()) {
    const int jobs = static_cast<int>(std::min<size_t>(
        pending.size(), static_cast<size_t>(o.jobs > 0 ? o.jobs : default_jobs())));
    std::vector<LocalWorker> ws = fork_workers(jobs, ctx, dir, "");
    Coordinator c(store, hashes, pending, spec.reuse && !o.no_reuse, o.quiet);
    std::vector<int> slot_of;
    for (const auto& w : ws) slot_of.push_back(c.add_slot(w.name));
    serve_local(c, ws, slot_of);
    stop_workers(ws);
    store.write_csv(dir / "results.csv");
    code = c.finish(dir);
  } else {
    store.write_csv(dir / "results.csv");
    std::cout << (dir / "results.sqlite").string() << "\n";
  }
  std::error_code ec;
  fs::remove_all(dir / ".work", ec);
  return code;
}

// ------------------------------------------------------------------ MPI

int mpi_env_rank() {
  for (const char* v : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"})
    if (const char* s = std::getenv(v)) return std::atoi(s);
  return -1;
}

#ifdef NMSIM_HAVE_MPI
enum Tag : int { kTask = 1, kResult = 2 };

// Rank 0: the coordinator, with its own local workers and every other rank's.
int mpi_root(const SweepOptions& o, const SweepSpec& spec, boost::mpi::communicator& world,
             std::vector<LocalWorker>& ws, const fs::path& dir, SweepStore& store,
             const std::vector<std::string>& hashes, const std::vector<size_t>& pending,
             const std::vector<int>& remote_counts) {
  Coordinator c(store, hashes, pending, spec.reuse && !o.no_reuse, o.quiet);
  std::vector<int> slot_of;
  for (const auto& w : ws) slot_of.push_back(c.add_slot(w.name));
  std::map<std::pair<int, int>, int> remote;  // (rank, local index) -> slot
  std::vector<std::pair<int, int>> where;     // slot -> (rank, local index) for remote slots
  for (int r = 1; r < world.size(); ++r)
    for (int k = 0; k < remote_counts[r]; ++k) {
      const int s = c.add_slot("r" + std::to_string(r) + "w" + std::to_string(k));
      remote[{r, k}] = s;
      where.resize(s + 1, {-1, -1});
      where[s] = {r, k};
    }
  std::list<std::pair<boost::mpi::request, std::shared_ptr<std::string>>> sends;
  auto send = [&](int rank, const json& j) {
    auto buf = std::make_shared<std::string>(j.dump());
    sends.emplace_back(world.isend(rank, kTask, *buf), buf);
  };
  auto pump = [&] {
    for (auto it = sends.begin(); it != sends.end();)
      it = it->first.test() ? sends.erase(it) : std::next(it);
    while (auto st = world.iprobe(boost::mpi::any_source, kResult)) {
      std::string msg;
      world.recv(st->source(), kResult, msg);
      const json m = json::parse(msg);
      const int s = remote.at({st->source(), m.at("slot").get<int>()});
      if (m.contains("dead"))
        c.on_slot_dead(s, m["dead"].get<std::string>());
      else
        c.on_result(s, m.at("result"));
    }
    for (const auto& [rk, s] : remote)
      if (c.slot_idle(s))
        if (auto t = c.next_task(s)) send(rk.first, json{{"slot", rk.second}, {"task", *t}});
  };
  serve_local(c, ws, slot_of, pump);
  for (const auto& [rk, s] : remote) send(rk.first, json{{"slot", rk.second}, {"stop", true}});
  for (auto& [req, buf] : sends) req.wait();
  stop_workers(ws);
  store.write_csv(dir / "results.csv");
  return c.finish(dir);
}

// Other ranks: pass tasks from rank 0 to the local workers and their results back.
void mpi_relay(boost::mpi::communicator& world, std::vector<LocalWorker>& ws) {
  std::vector<bool> stopped(ws.size(), false);
  std::list<std::pair<boost::mpi::request, std::shared_ptr<std::string>>> sends;
  auto send = [&](const json& j) {
    auto buf = std::make_shared<std::string>(j.dump());
    sends.emplace_back(world.isend(0, kResult, *buf), buf);
  };
  std::vector<bool> busy(ws.size(), false);
  for (;;) {
    while (auto st = world.iprobe(0, kTask)) {
      std::string msg;
      world.recv(0, kTask, msg);
      const json m = json::parse(msg);
      const size_t k = m.at("slot").get<size_t>();
      if (m.contains("stop")) {
        stopped[k] = true;
        continue;
      }
      if (ws[k].fd < 0 || !send_msg(ws[k].fd, m.at("task").dump())) {
        send(json{{"slot", k}, {"dead", "its process ended"}});
        continue;
      }
      busy[k] = true;
    }
    if (std::all_of(stopped.begin(), stopped.end(), [](bool b) { return b; })) break;
    std::vector<pollfd> pfd;
    std::vector<size_t> who;
    for (size_t k = 0; k < ws.size(); ++k)
      if (busy[k] && ws[k].fd >= 0) {
        pfd.push_back({ws[k].fd, POLLIN, 0});
        who.push_back(k);
      }
    if (pfd.empty() || ::poll(pfd.data(), pfd.size(), 2) <= 0) {
      if (pfd.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    } else {
      for (size_t q = 0; q < pfd.size(); ++q) {
        if (pfd[q].revents == 0) continue;
        const size_t k = who[q];
        std::string msg;
        busy[k] = false;
        if (!recv_msg(ws[k].fd, msg)) {
          ::close(ws[k].fd);
          ws[k].fd = -1;
          send(json{{"slot", k}, {"dead", "its process ended"}});
          continue;
        }
        send(json{{"slot", k}, {"result", json::parse(msg)}});
      }
    }
    for (auto it = sends.begin(); it != sends.end();)
      it = it->first.test() ? sends.erase(it) : std::next(it);
  }
  for (auto& [req, buf] : sends) req.wait();
  stop_workers(ws);
}

int run_mpi(const SweepOptions& o, const SweepSpec& spec, const SweepContext& ctx,
            const std::vector<std::string>& hashes, int argc, char** argv, int env_rank) {
  const fs::path dir(o.out);
  // Workers first: after MPI_Init this process must not fork.
  std::vector<LocalWorker> ws =
      fork_workers(o.jobs > 0 ? o.jobs : 1, ctx, dir, "r" + std::to_string(env_rank));
  boost::mpi::environment env(argc, argv);
  boost::mpi::communicator world;
  std::string error;
  std::unique_ptr<DirLock> lock;
  std::unique_ptr<SweepStore> store;
  std::vector<size_t> pending;
  if (world.rank() == 0) {
    try {
      fs::create_directories(dir);
      lock = std::make_unique<DirLock>(dir);
      store = std::make_unique<SweepStore>(dir, spec, hashes);
      clean_leftovers(dir);
      pending = pending_configs(*store, hashes);
      if (!o.quiet)
        std::cerr << "nmsim sweep: " << spec.configs.size() << " configurations, "
                  << spec.configs.size() - pending.size() << " already done; " << world.size()
                  << " MPI ranks\n";
    } catch (const InputError& e) {
      error = e.what();
    }
  }
  boost::mpi::broadcast(world, error, 0);
  if (!error.empty()) {
    stop_workers(ws);
    if (world.rank() == 0) throw InputError(error);
    return 2;
  }
  std::vector<int> counts;
  boost::mpi::gather(world, static_cast<int>(ws.size()), counts, 0);
  if (world.rank() != 0) {
    mpi_relay(world, ws);
    return 0;
  }
  const int code = mpi_root(o, spec, world, ws, dir, *store, hashes, pending, counts);
  std::error_code ec;
  fs::remove_all(dir / ".work", ec);
  return code;
}
#endif

}  // namespace

int run_sweep(const SweepOptions& o, int argc, char** argv) {
  if (o.out.empty()) throw InputError("--out: an output directory is required");
  const int env_rank = mpi_env_rank();
  // Under mpirun every rank checks the spec; rank 0 reports what is wrong.
  try {
    const SweepSpec spec = read_sweep_spec(o.spec);
    const std::vector<std::string> hashes = all_hashes(spec);
    const SweepContext ctx(spec);
    if (env_rank >= 0) {
#ifdef NMSIM_HAVE_MPI
      return run_mpi(o, spec, ctx, hashes, argc, argv, env_rank);
#else
      // Without MPI support rank 0 runs the whole sweep locally; the others leave it.
      if (env_rank > 0) return 0;
      std::cerr << "nmsim sweep: this nmsim was built without MPI (libboost-mpi-dev); rank 0 runs "
                   "the sweep on this machine alone\n";
#endif
    }
    (void)argc;
    (void)argv;
    return run_local(o, spec, ctx, hashes);
  } catch (const InputError&) {
    if (env_rank > 0) return 2;
    throw;
  }
}

}  // namespace nmsim
