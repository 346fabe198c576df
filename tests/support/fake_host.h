// fake_host: runs the processors of a plugin linked into a test executable, without the engine.
//
// It plays the host's side of <wprun/plugin_abi.h>: a `wprun_host_api` table whose `emit` appends
// to a vector, a settable `should_stop` and deadline, and captured log lines. It calls the
// plugin's `wprun_plugin_init`, so a test executable links exactly one plugin's sources (each
// plugin defines the two extern "C" entry points). Like the real host it checks the config
// against the processor's schema (unknown or missing required fields) and fills in defaults
// before `create`, so a processor sees what it would see in a run.
//
//     wprun::testing::fake_host host;
//     ASSERT_EQ(host.create("upper").status, WPRUN_OK);
//     auto r = host.process("abc");   // r.status == WPRUN_OK, r.outputs == {"ABC"}
//
// Not thread-safe: one test thread drives it; `process` may name which worker state to use.
#pragma once

#include <wprun/plugin_abi.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wprun::testing {

/// A stage's config as the host passes it: (name, canonical text value) pairs.
using config_list = std::vector<std::pair<std::string, std::string>>;

/// What one call into the plugin returned, and what it emitted.
struct fake_result {
    wprun_status status = WPRUN_OK;
    std::vector<std::string> outputs;
    std::string message;          ///< the error buffer's text; empty on success
    uint64_t retry_after_ns = 0;  ///< what the call asked through `retry_after` (ABI 1.1)
};

/// One line the plugin logged.
struct log_line {
    wprun_log_level level;
    std::string message;
};

class fake_host {
public:
    /// Initialises the linked plugin; throws std::runtime_error when `wprun_plugin_init` fails.
    fake_host();
    ~fake_host();
    fake_host(const fake_host&) = delete;
    fake_host& operator=(const fake_host&) = delete;

    const wprun_plugin_info& info() const noexcept { return *info_; }
    const wprun_host_api& api() const noexcept { return api_; }
    /// The processor called `name`, or nullptr.
    const wprun_processor_def* find(std::string_view name) const noexcept;

    /// Creates one instance of `processor` (replacing any earlier one) and `workers` worker
    /// states. Returns WPRUN_OK, or the failure with its message (no outputs).
    fake_result create(std::string_view processor,
                       const config_list& config = {},
                       size_t workers = 1);

    /// Runs `process` for one job with the state of worker `worker`.
    fake_result process(std::string_view payload,
                        std::string_view key = {},
                        uint64_t seq = 0,
                        uint32_t attempt = 1,
                        size_t worker = 0,
                        int32_t priority = 0);

    /// Runs `flush` with every worker state; WPRUN_OK and no outputs when the processor has none.
    fake_result flush();

    /// What `should_stop` answers from now on.
    void set_should_stop(bool stop) noexcept { should_stop_ = stop; }
    /// Offers the ABI 1.1 `retry_after` service (the default) or, with false, a NULL entry as a
    /// host may leave it.
    void offer_retry_after(bool offer) noexcept;
    /// What `deadline_ns` answers from now on (CLOCK_MONOTONIC nanoseconds, 0 = none).
    void set_deadline_ns(uint64_t deadline) noexcept { deadline_ns_ = deadline; }
    /// Every line logged since the host was made, through the stage context or without one.
    const std::vector<log_line>& logs() const noexcept { return logs_; }

    // Used by the C callbacks.
    bool should_stop() const noexcept { return should_stop_; }
    uint64_t deadline_ns() const noexcept { return deadline_ns_; }
    void add_log(wprun_log_level level, std::string_view message);

private:
    struct stage;

    void destroy_stage() noexcept;

    wprun_host_api api_{};
    const wprun_plugin_info* info_ = nullptr;
    std::unique_ptr<stage> stage_;
    bool should_stop_ = false;
    uint64_t deadline_ns_ = 0;
    std::vector<log_line> logs_;
};

}  // namespace wprun::testing
