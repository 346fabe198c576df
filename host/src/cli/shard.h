// shard: `--shard K/N` and `--shard-from-env` of `wprun run` (docs/scale-out.md).
//
// Batch schedulers start N copies of one job and give each its index: Kubernetes indexed Jobs
// in JOB_COMPLETION_INDEX, Slurm job arrays in SLURM_ARRAY_TASK_ID (with SLURM_ARRAY_TASK_COUNT).
// These turn the command line (or that environment) into an engine::shard; a bad value is a
// startup_error (exit_code::usage) that says what was expected. Thread-safe (no state).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "engine/pipeline.h"

namespace wprun::cli {

/// Looks up an environment variable; nullptr when unset (std::getenv in the CLI, a map in tests).
using env_lookup = std::function<const char*(const char*)>;

/// Parses "K/N" (0 <= K < N, N >= 1).
engine::shard parse_shard(const std::string& text);

/// The shard the environment names: the index from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID,
/// the count from `count` (--shard-count) or else SLURM_ARRAY_TASK_COUNT.
engine::shard shard_from_env(const env_lookup& env, std::optional<uint64_t> count);

}  // namespace wprun::cli
