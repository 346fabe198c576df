// lint: warnings about a pipeline that is valid but probably not what its author meant.
//
// `prepare_pipeline` runs these checks once a pipeline has no errors, so `wprun validate` and
// `wprun run` (unless -q) print them with the same file:line:column as errors; warnings never
// change an exit code. Each warning says why the setting is wasteful or suspicious and what to
// write instead:
//   - `workers` above 4 × the hardware threads on a stage with no sign of waiting on I/O
//     (no rate_limit, no timeout, not `exec`): the extra threads only wait for a core;
//   - an ordered sink whose `window` is smaller than the widest stage's workers: workers idle;
//   - a rate limit whose `burst` is more than a minute of its rate: probably a unit mistake;
//   - a stage `timeout` under 1ms: shorter than waking a thread, so calls time out;
//   - a named limiter (`limiters:`) that no stage uses;
//   - a rate limit that cannot pass the source's items (when known: a range) before the run's
//     `deadline`.
// Each warning carries a stable code (`validate --format json`): workers-above-cores,
// window-narrower-than-workers, burst-above-a-minute, timeout-too-short, limiter-unused,
// rate-below-deadline.
// Pure function of its input; thread-safe.
#pragma once

#include "cli/prepare.h"
#include "detail/error.h"

namespace wprun::cli {

/// Warnings for `p` (whose stages match `p.spec.stages` one to one: it has no errors).
/// `hardware_threads`: the machine's (std::thread::hardware_concurrency(); 0 is taken as 1).
diagnostics lint_pipeline(const prepared_pipeline& p, unsigned hardware_threads);

}  // namespace wprun::cli
