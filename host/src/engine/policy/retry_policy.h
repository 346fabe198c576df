// retry_policy: when and after how long to call a processor again after RETRY.
//
// Exponential backoff with a cap and jitter: the delay before attempt k (k = 2 is the first
// retry) is d = min(max, initial * multiplier^(k-2)); jitter `full` waits uniform(0, d), `equal`
// waits d/2 + uniform(0, d/2), `none` waits d. No more attempts after `attempts` calls in all
// (`attempts: 1` means no retry — never "infinite") or once `max_elapsed` has passed since the
// first call. Pure computation: the caller supplies the randomness and sleeps.
// Thread-safety: immutable after construction.
#pragma once

#include <cstdint>
#include <optional>

#include "engine/spec.h"

namespace wprun::engine {

class retry_policy {
public:
    explicit retry_policy(const retry_spec& spec);

    /// The delay before attempt `next_attempt` (2 = first retry), or nothing when no attempt is
    /// left. `elapsed_ns`: time since the first call began; `random`: 64 uniformly random bits.
    /// `at_least_ns`: the processor's own least delay (Retry-After); the result is the larger
    /// of it and the backoff, or nothing when waiting it would run past `max_elapsed`.
    std::optional<int64_t> delay_before(uint32_t next_attempt,
                                        int64_t elapsed_ns,
                                        uint64_t random,
                                        int64_t at_least_ns = 0) const noexcept;
    unsigned attempts() const noexcept { return spec_.attempts; }

private:
    int64_t backoff(uint32_t retries_before) const noexcept;  // capped, before jitter
    int64_t jittered(int64_t d, uint64_t random) const noexcept;

    retry_spec spec_;
};

}  // namespace wprun::engine
