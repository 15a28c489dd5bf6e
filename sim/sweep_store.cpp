#include "sim/sweep_store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <stdexcept>

#include "sim/sweep_spec.h"
#include "workloads/errors.h"

namespace nmsim {
namespace fs = std::filesystem;

const std::vector<SweepFigure> kSweepFigures = {
    {"energy_j_per_sample", "REAL", "snn.energy_j_per_sample"},
    {"latency_s_per_sample", "REAL", "snn.latency_s_per_sample"},
    {"accuracy", "REAL", "snn.accuracy"},
    {"cores_used", "INTEGER", "snn.cores_used"},
    {"chips_used", "INTEGER", "snn.chips_used"},
    {"synops", "INTEGER", "snn.synops"},
    {"spikes", "INTEGER", "snn.spikes"},
    {"messages", "INTEGER", "snn.messages"},
    {"hops", "INTEGER", "snn.noc_hops"},
    {"energy_j", "REAL", "snn.energy_j"},
    {"simulated_time_s", "REAL", "snn.simulated_time_s"},
    {"ann_energy_j_per_sample", "REAL", "ann.energy_j_per_sample"},
    {"ann_latency_s_per_sample", "REAL", "ann.latency_s_per_sample"},
    {"ann_accuracy", "REAL", "ann.accuracy"},
};

namespace {

std::string quote_ident(const std::string& s) {
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// Statement with automatic finalisation.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s_, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("results.sqlite: ") + sqlite3_errmsg(db) +
                               " in: " + sql);
  }
  ~Stmt() { sqlite3_finalize(s_); }
  sqlite3_stmt* get() const { return s_; }
  void bind(int i, const nlohmann::json& v) const {
    if (v.is_null())
      sqlite3_bind_null(s_, i);
    else if (v.is_number_integer())
      sqlite3_bind_int64(s_, i, v.get<int64_t>());
    else if (v.is_number_unsigned())
      sqlite3_bind_int64(s_, i, static_cast<int64_t>(v.get<uint64_t>()));
    else if (v.is_number())
      sqlite3_bind_double(s_, i, v.get<double>());
    else if (v.is_boolean())
      sqlite3_bind_int64(s_, i, v.get<bool>() ? 1 : 0);
    else {
      const std::string t = v.is_string() ? v.get<std::string>() : v.dump();
      sqlite3_bind_text(s_, i, t.c_str(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
    }
  }

 private:
  sqlite3_stmt* s_ = nullptr;
};

// A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
std::string csv_field(sqlite3_stmt* s, int col) {
  switch (sqlite3_column_type(s, col)) {
    case SQLITE_NULL:
      return "";
    case SQLITE_INTEGER:
      return std::to_string(sqlite3_column_int64(s, col));
    case SQLITE_FLOAT: {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", sqlite3_column_double(s, col));
      return buf;
    }
    default: {
      const std::string t = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
      if (t.find_first_of(",\"\n\r") == std::string::npos) return t;
      std::string q = "\"";
      for (char c : t) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      return q + "\"";
    }
  }
}

}  // namespace

SweepStore::SweepStore(const fs::path& dir, const SweepSpec& spec,
                       const std::vector<std::string>& hashes)
    : path_(dir / "results.sqlite"), spec_(spec) {
  if (sqlite3_open(path_.c_str(), &db_) != SQLITE_OK)
    throw InputError(path_.string() + ": cannot open: " + sqlite3_errmsg(db_));
  sqlite3_busy_timeout(db_, 10000);
  exec("PRAGMA journal_mode=WAL");
  // A committed transaction survives the process being killed; NORMAL skips
  // only the fsync that power loss would need.
  exec("PRAGMA synchronous=NORMAL");

  nlohmann::json axes = nlohmann::json::array();
  for (const auto& a : spec.axes) axes.push_back(a.key);
  std::string all;
  for (const auto& h : hashes) all += h;
  const std::string fingerprint = hash128(spec.canonical.dump() + all);

  exec("BEGIN IMMEDIATE");
  try {
    exec("CREATE TABLE IF NOT EXISTS sweep (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    std::map<std::string, std::string> meta;
    {
      Stmt q(db_, "SELECT key, value FROM sweep");
      while (sqlite3_step(q.get()) == SQLITE_ROW)
        meta[reinterpret_cast<const char*>(sqlite3_column_text(q.get(), 0))] =
            reinterpret_cast<const char*>(sqlite3_column_text(q.get(), 1));
    }
    if (meta.empty()) {
      std::string cols = "config_index INTEGER NOT NULL, config_hash TEXT NOT NULL UNIQUE";
      for (const auto& a : spec.axes) cols += ", " + quote_ident(a.key);
      cols += ", status TEXT NOT NULL";
      for (const auto& f : kSweepFigures) cols += std::string(", ") + f.column + " " + f.type;
      exec("CREATE TABLE results (" + cols + ")");
      exec(
          "CREATE TABLE run_log (config_hash TEXT PRIMARY KEY, method TEXT NOT NULL, "
          "wall_s REAL, worker TEXT, finished TEXT DEFAULT CURRENT_TIMESTAMP)");
      Stmt ins(db_, "INSERT INTO sweep (key, value) VALUES (?, ?)");
      for (const auto& [k, v] :
           std::map<std::string, std::string>{{"fingerprint", fingerprint},
                                              {"spec_file", spec.file},
                                              {"spec", spec.canonical.dump()},
                                              {"axes", axes.dump()},
                                              {"configurations", std::to_string(hashes.size())},
                                              {"nmsim_version", "0.1.0"}}) {
        ins.bind(1, k);
        ins.bind(2, v);
        if (sqlite3_step(ins.get()) != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db_));
        sqlite3_reset(ins.get());
      }
    } else if (meta["fingerprint"] != fingerprint) {
      // Name what changed, from the spec as the directory recorded it.
      std::string changed;
      const auto old = nlohmann::json::parse(meta["spec"], nullptr, false);
      for (auto it = spec.canonical.begin(); it != spec.canonical.end(); ++it)
        if (old.is_discarded() || !old.contains(it.key()) || old[it.key()] != it.value())
          changed += (changed.empty() ? "" : ", ") + it.key();
      if (changed.empty()) changed = "the configurations";
      throw InputError(spec.file + ": " + dir.string() +
                       " holds the results of a different sweep (" + meta["spec_file"] +
                       "; changed: " + changed +
                       "); rerun with that spec to resume it, or give another --out");
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

SweepStore::~SweepStore() {
  if (db_ != nullptr) sqlite3_close(db_);
}

void SweepStore::exec(const std::string& sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err != nullptr ? err : "error";
    sqlite3_free(err);
    throw std::runtime_error(path_.string() + ": " + msg + " in: " + sql);
  }
}

std::set<std::string> SweepStore::done() const {
  std::set<std::string> out;
  Stmt q(db_, "SELECT config_hash FROM results");
  while (sqlite3_step(q.get()) == SQLITE_ROW)
    out.insert(reinterpret_cast<const char*>(sqlite3_column_text(q.get(), 0)));
  return out;
}

void SweepStore::insert(const SweepRow& row) {
  std::string cols = "config_index, config_hash", qs = "?, ?";
  for (const auto& a : spec_.axes) {
    cols += ", " + quote_ident(a.key);
    qs += ", ?";
  }
  cols += ", status";
  qs += ", ?";
  for (const auto& f : kSweepFigures) {
    cols += std::string(", ") + f.column;
    qs += ", ?";
  }
  exec("BEGIN IMMEDIATE");
  try {
    Stmt ins(db_, "INSERT OR IGNORE INTO results (" + cols + ") VALUES (" + qs + ")");
    int k = 1;
    ins.bind(k++, static_cast<int64_t>(row.index));
    ins.bind(k++, row.hash);
    const auto& cfg = spec_.configs.at(row.index);
    for (size_t a = 0; a < spec_.axes.size(); ++a) ins.bind(k++, spec_.axes[a].column[cfg[a]]);
    ins.bind(k++, row.status);
    for (const auto& f : kSweepFigures)
      ins.bind(k++, row.figures.contains(f.column) ? row.figures[f.column] : nlohmann::json());
    if (sqlite3_step(ins.get()) != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db_));
    Stmt log(
        db_,
        "INSERT OR IGNORE INTO run_log (config_hash, method, wall_s, worker) VALUES (?, ?, ?, ?)");
    log.bind(1, row.hash);
    log.bind(2, row.method);
    log.bind(3, row.wall_s);
    log.bind(4, row.worker);
    if (sqlite3_step(log.get()) != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db_));
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void SweepStore::write_csv(const fs::path& p) const {
  const fs::path tmp = p.string() + ".tmp";
  {
    std::ofstream os(tmp);
    Stmt q(db_, "SELECT * FROM results ORDER BY config_index");
    const int n = sqlite3_column_count(q.get());
    for (int c = 0; c < n; ++c) {
      const std::string name = sqlite3_column_name(q.get(), c);
      os << (c ? "," : "")
         << (name.find_first_of(",\"") == std::string::npos ? name : quote_ident(name));
    }
    os << "\n";
    while (sqlite3_step(q.get()) == SQLITE_ROW) {
      for (int c = 0; c < n; ++c) os << (c ? "," : "") << csv_field(q.get(), c);
      os << "\n";
    }
    if (!os) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, p);
}

}  // namespace nmsim
