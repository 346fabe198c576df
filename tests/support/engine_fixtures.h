// Test doubles for engine tests: in-memory sources and sinks, and in-process processors built
// with the SDK's C++ wrapper (no library loading), so a test can run a pipeline by hand.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
#include <wprun/plugin.hpp>

#include "engine/host_api.h"
#include "engine/pipeline.h"

namespace wprun::testing {

/// Points the SDK wrapper at the engine's host services (plugins get this at init).
inline void use_engine_host() { wprun::detail::host_slot() = wprun::engine::host_api(); }

/// Yields "0", "1", ... "count-1".
class counting_source : public engine::source {
public:
    explicit counting_source(uint64_t count) : count_(count) {}
    size_t read(engine::item* out, size_t max) override {
        size_t n = 0;
        for (; n < max && next_ < count_; ++n) out[n].payload.assign(std::to_string(next_++));
        return n;
    }
    std::optional<uint64_t> total() const override { return count_; }

private:
    uint64_t count_;
    uint64_t next_ = 0;
};

class vector_source : public engine::source {
public:
    explicit vector_source(std::vector<std::string> lines) : lines_(std::move(lines)) {}
    size_t read(engine::item* out, size_t max) override {
        size_t n = 0;
        for (; n < max && next_ < lines_.size(); ++n) out[n].payload.assign(lines_[next_++]);
        return n;
    }

private:
    std::vector<std::string> lines_;
    size_t next_ = 0;
};

class vector_sink : public engine::sink {
public:
    std::vector<std::string> lines;
    bool closed = false;
    void write(const engine::item& it) override { lines.push_back(it.payload.str()); }
    void close() override { closed = true; }
};

struct recorded_failure {
    uint64_t seq;
    std::string stage;
    uint32_t attempt;
    std::string message;
    std::string payload;
};

class vector_error_sink : public engine::error_sink {
public:
    std::vector<recorded_failure> failures;
    void write(const engine::failure& f) override {
        failures.push_back({f.it.seq, std::string(f.stage), f.it.attempt, std::string(f.message),
                            f.it.payload.str()});
    }
};

// ---- processors ----

struct echo {
    static constexpr const char* name = "echo";
    static constexpr const char* description = "passes items through";
    explicit echo(const wprun::config&) {}
    wprun::result process(const wprun::job& j, wprun::emitter& out) const {
        out.emit(j.payload);
        return {};
    }
};

/// Sleeps a pseudo-random 0..`max_us` µs per item (by seq), then passes it through.
struct jitter {
    static constexpr const char* name = "jitter";
    static constexpr const char* description = "random delay";
    static std::vector<wprun::field> schema() {
        return {{"max_us", WPRUN_TYPE_INT, "200", false, "max delay"}};
    }
    explicit jitter(const wprun::config& c) : max_us(c.get_int("max_us", 200)) {}
    wprun::result process(const wprun::job& j, wprun::emitter& out) const {
        uint64_t h = (j.seq + 1) * 0x9e3779b97f4a7c15ull;
        std::this_thread::sleep_for(std::chrono::microseconds((h >> 40) % (max_us + 1)));
        out.emit(j.payload);
        return {};
    }
    int64_t max_us;
};

/// Emits `n` outputs "<payload>.<i>".
struct fanout {
    static constexpr const char* name = "fanout";
    static constexpr const char* description = "n outputs per item";
    static std::vector<wprun::field> schema() {
        return {{"n", WPRUN_TYPE_INT, "3", false, "outputs"}};
    }
    explicit fanout(const wprun::config& c) : n(c.get_int("n", 3)) {}
    wprun::result process(const wprun::job& j, wprun::emitter& out) const {
        for (int64_t i = 0; i < n; ++i) out.emit(std::string(j.payload) + "." + std::to_string(i));
        return {};
    }
    int64_t n;
};

/// Drops items whose payload ends in an odd digit.
struct drop_odd {
    static constexpr const char* name = "drop_odd";
    static constexpr const char* description = "filters odd numbers";
    explicit drop_odd(const wprun::config&) {}
    wprun::result process(const wprun::job& j, wprun::emitter& out) const {
        if ((j.payload.back() - '0') % 2 == 0) out.emit(j.payload);
        return {};
    }
};

/// Rejects every item whose seq % every == 0; throws on seq % throw_every == 0; FATAL at fatal_at.
struct faulty {
    static constexpr const char* name = "faulty";
    static constexpr const char* description = "injects failures";
    static std::vector<wprun::field> schema() {
        return {{"every", WPRUN_TYPE_INT, "0", false, ""},
                {"throw_every", WPRUN_TYPE_INT, "0", false, ""},
                {"retry_every", WPRUN_TYPE_INT, "0", false, ""},
                {"fatal_at", WPRUN_TYPE_INT, "-1", false, ""}};
    }
    explicit faulty(const wprun::config& c)
        : every(c.get_int("every")),
          throw_every(c.get_int("throw_every")),
          retry_every(c.get_int("retry_every")),
          fatal_at(c.get_int("fatal_at", -1)) {}
    wprun::result process(const wprun::job& j, wprun::emitter& out) const {
        auto seq = static_cast<int64_t>(j.seq);
        if (seq == fatal_at) return wprun::fatal("cannot go on");
        if (every && seq % every == 0) return wprun::reject("bad item " + std::string(j.payload));
        if (retry_every && seq % retry_every == 0) return wprun::retry("try later");
        if (throw_every && seq % throw_every == 0) throw std::runtime_error("boom");
        out.emit(j.payload);
        return {};
    }
    int64_t every, throw_every, retry_every, fatal_at;
};

/// Sums numbers per worker and emits the total at flush.
struct summer {
    static constexpr const char* name = "summer";
    static constexpr const char* description = "sum at end";
    struct worker {
        uint64_t sum = 0;
    };
    explicit summer(const wprun::config&) {}
    wprun::result process(worker& w, const wprun::job& j, wprun::emitter&) const {
        w.sum += std::stoull(std::string(j.payload));
        return {};
    }
    wprun::result flush(worker* const* ws, size_t n, wprun::emitter& out) const {
        uint64_t total = 0;
        for (size_t i = 0; i < n; ++i) total += ws[i]->sum;
        out.emit("sum=" + std::to_string(total));
        return {};
    }
};

/// Upper-cases a whole batch at once (exercises process_batch); rejects payload "bad".
struct batch_upper {
    static constexpr const char* name = "batch_upper";
    static constexpr const char* description = "batch";
    struct worker {};
    explicit batch_upper(const wprun::config&) {}
    wprun::result process(worker&, const wprun::job& j, wprun::emitter& out) const {
        if (j.payload == "bad") return wprun::reject("bad");
        out.emit(upper(j.payload));
        return {};
    }
    void process_batch(worker&,
                       const wprun::job* jobs,
                       size_t n,
                       wprun::emitter& out,
                       wprun::result* results) const {
        for (size_t i = n; i-- > 0;) {  // emit in reverse job order: the host must regroup
            out.select(i);
            if (jobs[i].payload == "bad")
                results[i] = wprun::reject("bad");
            else
                out.emit(upper(jobs[i].payload));
        }
    }
    static std::string upper(std::string_view s) {
        std::string r(s);
        for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return r;
    }
};

/// A processor whose worker state cannot be created.
struct no_workers {
    static constexpr const char* name = "no_workers";
    static constexpr const char* description = "worker_create fails";
    struct worker {
        worker() { throw std::runtime_error("no resources"); }
    };
    explicit no_workers(const wprun::config&) {}
    wprun::result process(worker&, const wprun::job&, wprun::emitter&) const { return {}; }
};

/// Rejects its config.
struct picky {
    static constexpr const char* name = "picky";
    static constexpr const char* description = "refuses config";
    explicit picky(const wprun::config&) { throw wprun::config_error("level must be 1..9"); }
    wprun::result process(const wprun::job&, wprun::emitter&) const { return {}; }
};

template <class T>
engine::stage_config make_stage(std::string name,
                                unsigned workers = 2,
                                std::vector<std::pair<std::string, std::string>> config = {},
                                size_t queue = 64) {
    engine::stage_config c;
    c.name = std::move(name);
    c.processor = T::name;
    c.def = wprun::processor_def<T>();
    c.workers = workers;
    c.config = std::move(config);
    c.queue_items = queue;
    return c;
}

}  // namespace wprun::testing

namespace wprun::testing {

/// RETRY while the attempt is <= `fails` (config), then emits "<payload>@<attempt>".
struct flaky {
    static constexpr const char* name = "flaky";
    static constexpr const char* description = "retries";
    static std::vector<wprun::field> schema() {
        return {{"fails", WPRUN_TYPE_INT, "1", false, ""},
                {"outage", WPRUN_TYPE_INT, "0", false, ""}};
    }
    explicit flaky(const wprun::config& c)
        : fails(c.get_int("fails")), outage(c.get_int("outage")) {}
    wprun::result process(const wprun::job& j, wprun::emitter& out) const {
        if (static_cast<int64_t>(j.seq) < outage) return wprun::retry("backend down");
        if (static_cast<int64_t>(j.attempt) <= fails) return wprun::retry("try again");
        out.emit(std::string(j.payload) + "@" + std::to_string(j.attempt));
        return {};
    }
    int64_t fails, outage;
};

/// Waits until the host says stop (deadline or cancel) on items whose seq % 4 == 0.
struct sticky {
    static constexpr const char* name = "sticky";
    static constexpr const char* description = "hangs until told to stop";
    explicit sticky(const wprun::config&) {}
    wprun::result process(const wprun::job& j, wprun::emitter& out) const {
        if (j.seq % 4 == 0)
            while (!out.should_stop()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        out.emit(j.payload);
        return {};
    }
};

}  // namespace wprun::testing
