// fan_out_parts: the insides of engine::fan_out's composite processor, shared by its two files.
//
// fan_out.cpp has the plan, the instance and worker lifecycles and `flush`; fan_out_calls.cpp
// runs items (`process`, `process_batch`). Nothing outside those two files includes this.
// Thread-safety: an `instance` is read-only once created; a `worker` belongs to one thread.
#pragma once

#include <wprun/plugin_abi.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/fan_out.h"
#include "engine/host_api.h"
#include "engine/item.h"

namespace wprun::engine::fan_out_parts {

inline constexpr size_t message_capacity = 1024;

/// How bad a status is (OK 0, RETRY 1, REJECT 2, FATAL 3): an item's worst branch decides it.
int rank(wprun_status st) noexcept;
/// Copies `text` into the error buffer, truncated.
void write(wprun_error& error, const std::string& text) noexcept;
/// "branch 'NAME': MESSAGE" into the error buffer.
void name_failure(wprun_error& error, const std::string& branch, const char* message) noexcept;

struct instance {
    fan_out* plan = nullptr;
    std::vector<wprun_stage_context> contexts;  // per branch: "stage/branch", for its logs
    std::vector<void*> branches;                // per branch: its processor instance
};

struct worker {
    std::vector<void*> states;             // per branch
    wprun_emitter inner{};                 // what the branches emit into
    std::vector<std::vector<item>> parts;  // per branch: outputs of the current item
    std::vector<char> done;                // per branch: succeeded for the current item
    std::vector<size_t> picked;
    bool resumable = false;  // the last item ended in RETRY: `done` and `parts` are kept
    uint64_t resume_seq = 0;
    uint32_t resume_attempt = 0;
    // process_batch
    std::vector<char> routed;     // [job * branches + branch]
    std::vector<size_t> job_of;   // a branch's sub-batch: index into the jobs
    std::vector<wprun_job> jobs;  // a branch's sub-batch
    std::vector<wprun_result> results;
    std::vector<char> messages;
    std::vector<item> collected;  // outputs tagged seq = job * branches + branch
    char message[message_capacity] = {};
    std::vector<branch_counts> counts;
    uint64_t unrouted = 0;
};

/// Points `inner` at `into` with the outer call's limits, deadline and stop flag.
void arm(wprun_emitter& inner, const wprun_emitter& outer, std::vector<item>* into) noexcept;
/// A branch's status, turned into REJECT (message in `w.message`) when an output was not kept.
wprun_status check_emits(worker& w, wprun_status st);

/// The composite's `process` and `process_batch` callbacks.
wprun_status process(
    void* p, void* state, const wprun_job* job, wprun_emitter* out, wprun_error* error) noexcept;
void process_batch(void* p,
                   void* state,
                   const wprun_job* jobs,
                   size_t count,
                   wprun_emitter* out,
                   wprun_result* results) noexcept;

}  // namespace wprun::engine::fan_out_parts
