// chaos: deterministic, seeded fault and latency injection, to test the engine's policies.
//
// Every decision is a pure function of (config, seed, seq, attempt): the same input fails the same
// way whatever the worker count or timing, so a test can predict exactly which items fail.
// Sleeps are cut into short slices that check should_stop(), so cancellation stays prompt.
#include <time.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
#include <wprun/plugin.hpp>

namespace {

using wprun::emitter;
using wprun::field;
using wprun::job;
using wprun::result;

constexpr int64_t ms = 1'000'000;  // nanoseconds
constexpr int64_t sleep_slice_ns = 10 * ms;
constexpr int64_t stall_poll_ns = 1 * ms;

// The splitmix64 finaliser: a cheap, well-mixed 64-bit hash.
constexpr uint64_t mix(uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/// A uniform value in [0, 1) from (seed, seq, stream); each stream is an independent decision.
double uniform(uint64_t seed, uint64_t seq, uint64_t stream) noexcept {
    uint64_t h = mix(mix(seed + 0x9e3779b97f4a7c15ull * (stream + 1)) ^ seq);
    return double(h >> 11) * 0x1.0p-53;
}

enum stream : uint64_t { fail_stream = 0, jitter_stream = 1 };

int64_t monotonic_ns() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);  // the clock the host's deadlines use
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// True on the k-th, 2k-th, .. item (seq k-1, 2k-1, ..); k = 0 is off.
constexpr bool every(int64_t k, uint64_t seq) noexcept {
    return k > 0 && seq % uint64_t(k) == uint64_t(k) - 1;
}

/// Sleeps `ns`, waking every `slice` to check should_stop(). Returns false if told to stop.
bool sleep_for(int64_t ns, int64_t slice, const emitter& out) {
    if (ns <= 0) return true;
    int64_t end = monotonic_ns() + ns;
    for (int64_t now = monotonic_ns(); now < end; now = monotonic_ns()) {
        if (out.should_stop()) return false;
        std::this_thread::sleep_for(std::chrono::nanoseconds(std::min(slice, end - now)));
    }
    return !out.should_stop();
}

/// "what=value, seq=N": names the injection that fired, for the item's error message.
std::string at(const char* what, int64_t value, uint64_t seq) {
    return std::string(what) + "=" + std::to_string(value) + ", seq=" + std::to_string(seq);
}

/// Shortest text that reads back as `v` (0.1, not to_string's 0.100000).
std::string shortest(double v) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, ec == std::errc() ? end : buf);
}

int64_t non_negative(const wprun::config& cfg, const char* name, int64_t fallback) {
    int64_t v = cfg.get_int(name, fallback);
    if (v < 0) throw wprun::config_error(std::string("chaos: '") + name + "' must be >= 0");
    return v;
}

class chaos {
public:
    static constexpr const char* name = "chaos";
    static constexpr const char* description =
        "Passes items through, injecting seeded, deterministic failures and latency.";

    static std::vector<field> schema() {
        return {
            {"seed", WPRUN_TYPE_INT, "1", false, "seed of fail_rate and jitter decisions"},
            {"fail_every", WPRUN_TYPE_INT, "0", false, "REJECT seq k-1, 2k-1, ..; 0 = off"},
            {"fail_rate", WPRUN_TYPE_FLOAT, "0", false, "REJECT this fraction of items, by seq"},
            {"fail_first", WPRUN_TYPE_INT, "0", false, "fail the items with seq < n (an outage)"},
            {"fail_status", WPRUN_TYPE_STRING, "reject", false,
             "what injected failures return: reject (a bad item) or retry (a failing backend)"},
            {"throw_every", WPRUN_TYPE_INT, "0", false, "throw on seq k-1, 2k-1, ..; 0 = off"},
            {"retry_times", WPRUN_TYPE_INT, "0", false, "RETRY while attempt <= n"},
            {"fatal_at", WPRUN_TYPE_INT, "-1", false, "FATAL on this seq; -1 = off"},
            {"sleep", WPRUN_TYPE_DURATION, "0", false, "fixed latency per item"},
            {"jitter", WPRUN_TYPE_DURATION, "0", false, "extra latency, uniform 0..jitter"},
            {"stall_every", WPRUN_TYPE_INT, "0", false,
             "seq k-1, 2k-1, .. hang until stopped or stall_max, then REJECT; 0 = off"},
            {"stall_max", WPRUN_TYPE_DURATION, "10s", false, "longest stall"},
            {"stall_hard", WPRUN_TYPE_BOOL, "false", false,
             "a stall ignores the deadline and should_stop: a hung call, for stall_max"},
            {"knee", WPRUN_TYPE_INT, "0", false,
             "calls at once above which each extra call adds `sleep` to every call; 0 = off"},
            {"crash_every", WPRUN_TYPE_INT, "0", false,
             "seq k-1, 2k-1, .. crash the process (see crash); 0 = off"},
            {"crash", WPRUN_TYPE_STRING, "segv", false,
             "how crash_every crashes: segv, abort, exit (status 3) or hang (forever)"},
            {"crash_payload", WPRUN_TYPE_STRING, "", false,
             "an item with exactly this payload crashes the process (see crash); empty = off"},
            {"leak", WPRUN_TYPE_SIZE, "0", false, "bytes leaked (allocated, never freed) per item"},
            {"invalid_status_every", WPRUN_TYPE_INT, "0", false,
             "seq k-1, 2k-1, .. return status 7, which no host knows; 0 = off"},
            {"emit_thread_every", WPRUN_TYPE_INT, "0", false,
             "seq k-1, 2k-1, .. emit from a thread of the plugin's own; 0 = off"},
            {"log_every", WPRUN_TYPE_INT, "0", false,
             "log 'chaos: item seq=N' (info) through the host on seq k-1, 2k-1, ..; 0 = off"},
        };
    }

    explicit chaos(const wprun::config& cfg)
        : emit_after_flush_(cfg.get_bool("emit_after_flush", false)),
          seed_(uint64_t(cfg.get_int("seed", 1))),
          fail_every_(non_negative(cfg, "fail_every", 0)),
          fail_rate_(cfg.get_float("fail_rate", 0)),
          fail_first_(non_negative(cfg, "fail_first", 0)),
          fail_status_(parse_fail_status(cfg.get_string("fail_status", "reject"))),
          throw_every_(non_negative(cfg, "throw_every", 0)),
          retry_times_(non_negative(cfg, "retry_times", 0)),
          fatal_at_(cfg.get_int("fatal_at", -1)),
          sleep_ns_(non_negative_duration(cfg, "sleep", 0)),
          jitter_ns_(non_negative_duration(cfg, "jitter", 0)),
          stall_every_(non_negative(cfg, "stall_every", 0)),
          stall_max_ns_(non_negative_duration(cfg, "stall_max", 10'000 * ms)),
          stall_hard_(cfg.get_bool("stall_hard", false)),
          knee_(non_negative(cfg, "knee", 0)),
          crash_every_(non_negative(cfg, "crash_every", 0)),
          crash_(parse_crash(cfg.get_string("crash", "segv"))),
          crash_payload_(cfg.get_string("crash_payload", "")),
          leak_bytes_(cfg.get_size("leak", 0)),
          invalid_status_every_(non_negative(cfg, "invalid_status_every", 0)),
          emit_thread_every_(non_negative(cfg, "emit_thread_every", 0)),
          log_every_(non_negative(cfg, "log_every", 0)),
          log_(cfg.log()) {
        if (!(fail_rate_ >= 0 && fail_rate_ <= 1))
            throw wprun::config_error("chaos: 'fail_rate' must be in [0, 1]");
    }

    ~chaos() {
        for (void* p : leaked_) std::free(p);  // leaked during the run, returned at the end
        if (after_flush_) after_flush_->emit("emitted after flush");  // the host must refuse it
    }
    chaos(const chaos&) = delete;
    chaos& operator=(const chaos&) = delete;

    // The order is part of the contract (see README): fatal, retry, latency, stall, throw, fail.
    result process(const job& j, emitter& out) const {
        if (every(log_every_, j.seq)) log_.info("chaos: item seq=" + std::to_string(j.seq));
        if (result r = call_fault(j); !r.is_ok()) return r;
        in_flight guard(calls_);
        if (!sleep_for(latency_ns(j.seq) + overload_ns(guard.at_once), sleep_slice_ns, out))
            return wprun::reject(
                "chaos: stopped during injected latency (seq=" + std::to_string(j.seq) + ")");
        if (every(stall_every_, j.seq)) return stall(j, out);
        if (every(crash_every_, j.seq)) crash_now();
        if (!crash_payload_.empty() && j.payload == crash_payload_) crash_now();
        if (leak_bytes_ > 0) leak();
        if (every(invalid_status_every_, j.seq))
            return {static_cast<wprun::status>(7), "chaos: injected invalid status 7"};
        if (every(emit_thread_every_, j.seq)) {
            std::thread([&] { out.emit(j.payload); }).join();  // the host must refuse it
            return wprun::ok();
        }
        if (result r = item_fault(j); !r.is_ok()) return r;
        out.emit(j.payload);
        return wprun::ok();
    }

protected:
    bool emit_after_flush_;
    mutable std::optional<emitter> after_flush_;  // set by flush (one thread), used by ~chaos

private:
    /// Counts the calls in progress (the instance is shared by all workers of the stage).
    struct in_flight {
        explicit in_flight(std::atomic<int64_t>& c) : calls(c), at_once(c.fetch_add(1) + 1) {}
        ~in_flight() { calls.fetch_sub(1); }
        std::atomic<int64_t>& calls;
        int64_t at_once;
    };

    /// Above the knee each call beyond it adds `sleep`: a backend that slows down when overloaded.
    int64_t overload_ns(int64_t at_once) const noexcept {
        return knee_ > 0 && at_once > knee_ ? (at_once - knee_) * sleep_ns_ : 0;
    }

    enum class crash_kind { segv, abort, exit, hang };

    static crash_kind parse_crash(const std::string& text) {
        if (text == "segv") return crash_kind::segv;
        if (text == "abort") return crash_kind::abort;
        if (text == "exit") return crash_kind::exit;
        if (text == "hang") return crash_kind::hang;
        throw wprun::config_error("chaos: 'crash' must be segv, abort, exit or hang, not '" + text +
                                  "'");
    }

    /// Takes the whole process down (or hangs it, deaf to should_stop): run it isolated.
    [[noreturn]] void crash_now() const {
        switch (crash_) {
            case crash_kind::segv:
                std::raise(SIGSEGV);
                break;
            case crash_kind::abort:
                std::abort();
            case crash_kind::exit:
                std::_Exit(3);
            case crash_kind::hang:
                break;
        }
        for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
    }

    /// Allocates and touches `leak` bytes that are never freed (a leaking plugin).
    void leak() const {
        void* p = std::malloc(leak_bytes_);
        if (p == nullptr) throw std::bad_alloc();
        std::memset(p, 1, leak_bytes_);
        std::lock_guard lock(leak_mutex_);
        leaked_.push_back(p);  // still reachable: LeakSanitizer stays quiet, memory still grows
    }

    static wprun::status parse_fail_status(const std::string& text) {
        if (text == "reject") return wprun::status::reject;
        if (text == "retry") return wprun::status::retry;
        throw wprun::config_error("chaos: 'fail_status' must be reject or retry, not '" + text +
                                  "'");
    }

    result injected(std::string message) const { return {fail_status_, std::move(message)}; }

    static int64_t non_negative_duration(const wprun::config& cfg, const char* n, int64_t dflt) {
        int64_t v = cfg.get_duration_ns(n, dflt);
        if (v < 0) throw wprun::config_error(std::string("chaos: '") + n + "' must be >= 0");
        return v;
    }

    /// Faults about the call rather than the item: they fire before any latency is spent.
    result call_fault(const job& j) const {
        if (fatal_at_ >= 0 && j.seq == uint64_t(fatal_at_))
            return wprun::fatal("chaos: injected fatal error (" + at("fatal_at", fatal_at_, j.seq) +
                                ")");
        if (j.attempt <= uint64_t(retry_times_))
            return wprun::retry("chaos: injected retry (" + at("retry_times", retry_times_, j.seq) +
                                ", attempt=" + std::to_string(j.attempt) + ")");
        return wprun::ok();
    }

    /// Faults of the item itself, as if processing it had failed.
    result item_fault(const job& j) const {
        if (every(throw_every_, j.seq))
            throw std::runtime_error("chaos: injected exception (" +
                                     at("throw_every", throw_every_, j.seq) + ")");
        if (j.seq < uint64_t(fail_first_))
            return injected("chaos: injected failure (" + at("fail_first", fail_first_, j.seq) +
                            ")");
        if (every(fail_every_, j.seq))
            return injected("chaos: injected failure (" + at("fail_every", fail_every_, j.seq) +
                            ")");
        if (uniform(seed_, j.seq, fail_stream) < fail_rate_)
            return injected("chaos: injected failure (fail_rate=" + shortest(fail_rate_) +
                            ", seq=" + std::to_string(j.seq) + ")");
        return wprun::ok();
    }

    int64_t latency_ns(uint64_t seq) const noexcept {
        if (jitter_ns_ == 0) return sleep_ns_;
        return sleep_ns_ + int64_t(uniform(seed_, seq, jitter_stream) * double(jitter_ns_));
    }

    /// Hangs like a stuck call: until the host says stop, the call's deadline, or stall_max.
    /// `stall_hard`: like a hung call, for stall_max whatever the host says.
    result stall(const job& j, const emitter& out) const {
        int64_t limit = stall_max_ns_;
        if (stall_hard_) {
            std::this_thread::sleep_for(std::chrono::nanoseconds(limit));
            return wprun::reject("chaos: hung (" + at("stall_every", stall_every_, j.seq) + ")");
        }
        if (uint64_t deadline = out.deadline_ns())
            limit = std::min(limit, std::max<int64_t>(0, int64_t(deadline) - monotonic_ns()));
        int64_t start = monotonic_ns();
        sleep_for(limit, stall_poll_ns, out);
        return wprun::reject("chaos: stalled (" + at("stall_every", stall_every_, j.seq) +
                             ", gave up after " + std::to_string((monotonic_ns() - start) / ms) +
                             " ms");
    }

    uint64_t seed_;
    int64_t fail_every_;
    double fail_rate_;
    int64_t fail_first_;
    wprun::status fail_status_;
    int64_t throw_every_;
    int64_t retry_times_;
    int64_t fatal_at_;
    int64_t sleep_ns_;
    int64_t jitter_ns_;
    int64_t stall_every_;
    int64_t stall_max_ns_;
    bool stall_hard_;
    int64_t knee_;
    mutable std::atomic<int64_t> calls_{0};  // the one mutable part: calls in progress (knee)
    int64_t crash_every_;
    crash_kind crash_;
    std::string crash_payload_;  // a poison item: the same input crashes on every delivery
    uint64_t leak_bytes_;
    mutable std::vector<void*> leaked_;  // guarded by leak_mutex_
    mutable std::mutex leak_mutex_;
    int64_t invalid_status_every_;
    int64_t emit_thread_every_;
    int64_t log_every_;
    wprun::logger log_;
};

/// `chaos` plus a `flush` that emits nothing, and with `emit_after_flush` keeps flush's emitter
/// to emit through it later (when destroyed), which the host must refuse. A processor of its own:
/// a stage with a flush cannot be resumed (`--resume`), and plain `chaos` must stay resumable.
class chaos_flush : public chaos {
public:
    static constexpr const char* name = "chaos_flush";
    static constexpr const char* description =
        "chaos with a flush (emits nothing; emit_after_flush misuses its emitter later).";

    static std::vector<field> schema() {
        std::vector<field> fields = chaos::schema();
        fields.push_back({"emit_after_flush", WPRUN_TYPE_BOOL, "false", false,
                          "keep flush's emitter and emit through it when destroyed"});
        return fields;
    }
    using chaos::chaos;

    wprun::result flush(emitter& out) const {
        if (emit_after_flush_) after_flush_.emplace(out);
        return wprun::ok();
    }
};

}  // namespace

WPRUN_PLUGIN("chaos", "1.0.0", chaos, chaos_flush)
