// error_budget: when a stage's failures should stop the run (`on_error`, `max_errors`).
//
// `on_error: stop` stops at the first failure; `max_errors: N` once more than N items failed;
// `max_errors: P%` once failures exceed P% of the items the stage took (judged after 100 items,
// so that the first few failures of a run do not count as 100%). Stopping means: stop intake and
// drain what was read — the ledger still balances.
// Thread-safety: immutable; the counts are passed in.
#pragma once

#include <cstdint>

#include "engine/spec.h"

namespace wprun::engine {

class error_budget {
public:
    error_budget() = default;
    explicit error_budget(const error_policy_spec& spec) : spec_(spec) {}

    bool exceeded(uint64_t failed, uint64_t taken) const noexcept {
        if (failed == 0) return false;
        if (spec_.stop) return true;
        if (spec_.max_count > 0 && failed > spec_.max_count) return true;
        if (spec_.max_percent <= 0 || taken < 100) return false;
        return static_cast<double>(failed) * 100.0 > spec_.max_percent * static_cast<double>(taken);
    }
    bool active() const noexcept {
        return spec_.stop || spec_.max_count > 0 || spec_.max_percent > 0;
    }

private:
    error_policy_spec spec_;
};

}  // namespace wprun::engine
