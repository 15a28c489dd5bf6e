// A sweep's results: DIR/results.sqlite (SQLite, write-ahead log) and its
// export DIR/results.csv.
//
// Table `results`: one row per configuration, written in one transaction when
// the configuration completes; config_hash is UNIQUE, so no configuration is
// ever there twice. Columns: config_index, config_hash, one column per axis
// named exactly as the axis key ("chip.core.neurons", "model", "hw"), status
// ("ok", or the one-line reason the configuration cannot run), then the figures
// of kSweepFigures (NULL when not ok). Table `sweep` holds the spec the
// directory belongs to; table `run_log` how each row was computed (recorded,
// replayed from recorded activity, or simulated in full) and its wall time.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

struct sqlite3;

namespace nmsim {

struct SweepSpec;

// (column, SQL type, run.json summary path it comes from).
struct SweepFigure {
  const char* column;
  const char* type;
  const char* source;
};
extern const std::vector<SweepFigure> kSweepFigures;

struct SweepRow {
  size_t index = 0;
  std::string hash;
  std::string status;      // "ok" or the reason
  nlohmann::json figures;  // column -> value, for kSweepFigures
  std::string method;      // record | replay | full | infeasible
  double wall_s = 0;
  std::string worker;
};

class SweepStore {
 public:
  // Opens DIR/results.sqlite, creating it for `spec` (with `hashes`, one per
  // configuration). Throws InputError if DIR holds the results of another spec.
  SweepStore(const std::filesystem::path& dir, const SweepSpec& spec,
             const std::vector<std::string>& hashes);
  ~SweepStore();
  SweepStore(const SweepStore&) = delete;
  SweepStore& operator=(const SweepStore&) = delete;

  std::set<std::string> done() const;  // hashes of the configurations with a row
  void insert(const SweepRow& row);    // one transaction; a row already there is kept
  void write_csv(const std::filesystem::path& p) const;  // written to p.tmp, renamed

 private:
  void exec(const std::string& sql) const;
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
  const SweepSpec& spec_;
};

}  // namespace nmsim
