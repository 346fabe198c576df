// isolated_processor: a processor that runs another one in `wprun-worker` child processes.
//
// `isolation: process` on a stage swaps the stage's processor for `isolated_def(inner)` and its
// config for `isolated_config(target, config)`: the stage, its workers and every policy stay the
// same, but each worker state owns one child process that loaded the plugin, and `process` is a
// round trip over the child's socket (see protocol.h). A child that crashes, exits or hangs past
// the stage's `timeout` (then it is killed with SIGKILL) costs the one item it was working on:
// the item fails with "worker crashed: signal 11 (SIGSEGV)" or "timed out after 200ms; worker
// killed" (RETRY instead of REJECT when the stage retries), and the next item starts a new
// child. `create` starts one child to check the config, so a refused config is a start-up error.
// `flush` asks every live child to flush its own worker state.
// Thread-safety: as any processor (create/flush from one thread, process per worker state).
#pragma once

#include <wprun/plugin_abi.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace wprun::isolation {

/// What a child loads and how the stage treats its failures.
struct isolation_target {
    std::string worker_binary;  ///< the `wprun-worker` executable
    std::string plugin_file;    ///< the library that provides `processor`
    std::string processor;
    int64_t timeout_ns = 0;  ///< the stage's `timeout`: a child that takes longer is killed
    bool retry = false;      ///< the stage has a retry policy: failures are RETRY, not REJECT
};

using config_entries = std::vector<std::pair<std::string, std::string>>;

/// Config entry names the isolated processor reserves for its target (never passed on).
inline constexpr const char* reserved_prefix = "wprun.isolation.";

/// The processor to give a stage instead of `inner` (static: valid for the whole process).
const wprun_processor_def* isolated_def(const wprun_processor_def& inner);

/// `config` with `target` added as reserved entries, for the stage that runs `isolated_def`.
config_entries isolated_config(const isolation_target& target, config_entries config);

}  // namespace wprun::isolation
