// fan_out: one stage, several processors — `broadcast:` and `route:` as a composite processor.
//
// A fan-out is a `wprun_processor_def` the host builds from its branches' defs. The stage runs
// it like any processor, so its workers, queue and policies (limiter, breaker, timeout, retry,
// batch, error budget) apply to the whole fan-out and the stage engine does not know about it.
// For each item the composite picks the branches (every one for `broadcast`; for `route`, each
// branch whose rule matches, else the default branch, else none: the item is *filtered* and
// counted as unrouted), calls them in file order, and keeps their outputs in a per-worker buffer.
// Only when every picked branch returned OK are the outputs emitted, branch by branch in file
// order, as the outputs of the one item: the stage splits the item's weight among them, so an
// ordered sink still writes a complete, ordered stream.
// A branch that fails decides the item's status, worst first: FATAL, REJECT, RETRY (a REJECT or
// FATAL stops calling the branches after it). The message names the branch: "branch 'hash': …".
// On RETRY the outputs of the branches that succeeded are kept, and the next attempt of the same
// item (same worker, attempt + 1) calls only the branches that did not: a retry never calls a
// branch that already succeeded, and nothing is emitted twice.
// Each branch has its own instance (created with its own config; logs under "stage/branch") and
// its own worker state per worker; `flush` calls every branch's flush in file order.
// Thread-safety: a fan_out is read-only once built, except for its per-branch counts, which
// workers add to (atomically) when their state is destroyed. It must outlive every stage that
// uses its `def()`.
#pragma once

#include <wprun/plugin_abi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "engine/report.h"
#include "engine/spec.h"

namespace wprun::engine {

/// One branch, ready to run: its processor, its checked config and (route) its rule.
struct branch_config {
    std::string name;  ///< unique in the stage; in messages and reports
    const wprun_processor_def* def = nullptr;
    std::vector<std::pair<std::string, std::string>> config;  ///< canonical values
    std::optional<std::regex> when;  ///< route: searched for in the payload (or key)
    bool when_key = false;
    bool is_default = false;
};

class fan_out {
public:
    /// `mode` is broadcast or route. Throws std::invalid_argument for no branches or a branch
    /// without a def (the config layer reports those with locations first).
    fan_out(fan_out_mode mode, std::vector<branch_config> branches);
    fan_out(const fan_out&) = delete;
    fan_out& operator=(const fan_out&) = delete;

    /// The composite processor; valid while this object lives.
    const wprun_processor_def* def() const noexcept { return &def_; }
    /// The config to give a stage_config that runs `def()` (one entry naming this object).
    std::vector<std::pair<std::string, std::string>> stage_config_entries() const;
    /// "broadcast(upper, hash)": the stage's processor text.
    const std::string& text() const noexcept { return text_; }
    fan_out_mode mode() const noexcept { return mode_; }
    const std::vector<branch_config>& branches() const noexcept { return branches_; }

    /// Per-branch counts of workers that have finished.
    std::vector<branch_counts> counts() const;
    /// Items no rule matched and no default took (route without `default`): filtered.
    uint64_t unrouted() const noexcept { return unrouted_.load(std::memory_order_relaxed); }

    /// Internal: the per-worker tallies merged when a worker state is destroyed.
    void add_counts(const std::vector<branch_counts>& per_branch, uint64_t unrouted) noexcept;

private:
    fan_out_mode mode_;
    std::vector<branch_config> branches_;
    std::string text_;
    std::string description_;
    wprun_processor_def def_{};
    struct tally {
        std::atomic<uint64_t> items{0}, outputs{0}, errors{0};
    };
    std::unique_ptr<tally[]> tallies_;
    std::atomic<uint64_t> unrouted_{0};
};

}  // namespace wprun::engine
