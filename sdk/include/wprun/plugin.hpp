// wprun plugin SDK: the header-only C++ wrapper over <wprun/plugin_abi.h>.
//
// Write a processor as a small class and list it in WPRUN_PLUGIN; this header builds the C tables,
// creates one instance per stage and one `worker` per worker thread, and turns every exception
// into a status so none crosses the C boundary:
//
//     class upper {
//     public:
//         static constexpr const char* name = "upper";
//         static constexpr const char* description = "Upper-cases each item.";
//         static std::vector<wprun::field> schema() { return {}; }     // optional
//         explicit upper(const wprun::config& cfg) {}                   // throw config_error
//         wprun::result process(const wprun::job& job, wprun::emitter& out) const;
//     };
//     WPRUN_PLUGIN("text", "1.0.0", upper)
//
// Optional members, found by their signature:
//   - `struct worker` (constructible from `const T&` or default): per-thread state; `process`
//     then takes `(worker&, const job&, emitter&)`.
//   - `static constexpr uint32_t max_workers`: a hint to the host.
//   - `result flush(worker* const* workers, size_t count, emitter& out) const` (or
//     `flush(emitter&) const` without a worker type): called once at end of input.
//   - `void process_batch(worker&, const job* jobs, size_t n, emitter& out, result* results)
//   const`.
//
// Thread-safety: `process` runs concurrently on one instance from several threads; keep the
// instance read-only after construction and put mutable state in `worker`.
// Requires C++17.
#pragma once

#include <wprun/plugin_abi.h>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(_WIN32)
#define WPRUN_EXPORT __declspec(dllexport)
#else
#define WPRUN_EXPORT __attribute__((visibility("default")))
#endif

namespace wprun {

/// Outcome of processing one item.
enum class status {
    ok = WPRUN_OK,
    retry = WPRUN_RETRY,
    reject = WPRUN_REJECT,
    fatal = WPRUN_FATAL,
};

/// A status plus, when it is not `ok`, a message saying why.
class result {
public:
    result() = default;
    result(status s, std::string message) : status_(s), message_(std::move(message)) {}

    status code() const noexcept { return status_; }
    bool is_ok() const noexcept { return status_ == status::ok; }
    const std::string& message() const noexcept { return message_; }

private:
    status status_ = status::ok;
    std::string message_;
};

inline result ok() { return {}; }
/// Transient failure: the host may try the same input again (per the stage's retry policy).
inline result retry(std::string message) { return {status::retry, std::move(message)}; }
/// This item is bad: it goes to the error output and the run goes on.
inline result reject(std::string message) { return {status::reject, std::move(message)}; }
/// The processor cannot continue: the run stops cleanly.
inline result fatal(std::string message) { return {status::fatal, std::move(message)}; }

/// Thrown from a processor's constructor when its config is not acceptable.
class config_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// One field of a processor's config schema.
struct field {
    const char* name;
    wprun_value_type type;
    const char* default_value;  ///< text form, or nullptr for none
    bool required;
    const char* description;
};

/// One item, as seen by `process`. Views are valid for the call only.
struct job {
    std::string_view payload;
    std::string_view key;
    uint64_t seq;
    uint32_t attempt;
    int32_t priority;
};

namespace detail {
inline const wprun_host_api*& host_slot() noexcept {
    static const wprun_host_api* host = nullptr;
    return host;
}
inline const wprun_host_api* host() noexcept { return host_slot(); }

inline void write_error(wprun_error* error, std::string_view message) noexcept {
    if (error == nullptr || error->message == nullptr || error->capacity == 0) return;
    size_t n = message.size() < error->capacity - 1 ? message.size() : error->capacity - 1;
    std::memcpy(error->message, message.data(), n);
    error->message[n] = '\0';
}
inline void write_error_prefixed(wprun_error* error,
                                 std::string_view prefix,
                                 std::string_view message) noexcept {
    if (error == nullptr || error->message == nullptr || error->capacity <= prefix.size()) return;
    std::memcpy(error->message, prefix.data(), prefix.size());
    wprun_error rest{error->message + prefix.size(), error->capacity - prefix.size()};
    write_error(&rest, message);
}
}  // namespace detail

/// Where a processor's outputs go; one per call.
class emitter {
public:
    explicit emitter(wprun_emitter* out) noexcept : out_(out) {}
    /// Emits one output (the bytes are copied). Returns false when the run is stopping.
    bool emit(std::string_view bytes) const noexcept {
        return detail::host()->emit(out_, bytes.data(), bytes.size()) == 0;
    }
    /// In `process_batch`: the following outputs belong to job `index`.
    void select(size_t index) const noexcept { detail::host()->select(out_, index); }
    /// True when a long call should give up early (run cancelled, item timed out).
    bool should_stop() const noexcept { return detail::host()->should_stop(out_) != 0; }
    /// Monotonic deadline for this call in nanoseconds, 0 when none.
    uint64_t deadline_ns() const noexcept { return detail::host()->deadline_ns(out_); }
    /// ABI 1.1: if this call returns `retry`, asks the host to wait at least `delay_ns` before the
    /// next attempt (e.g. an HTTP Retry-After). False when the host is older than 1.1 and cannot
    /// (the processor may then wait itself, or not).
    bool retry_after(uint64_t delay_ns) const noexcept {
        const wprun_host_api* h = detail::host();
        constexpr size_t needed =
            offsetof(wprun_host_api, retry_after) + sizeof(wprun_host_api::retry_after);
        if (h->struct_size < needed || h->retry_after == nullptr) return false;
        h->retry_after(out_, delay_ns);
        return true;
    }

private:
    wprun_emitter* out_;
};

/// Logs through the host (spdlog, tagged with the stage's name). Never throws.
class logger {
public:
    explicit logger(const wprun_stage_context* ctx = nullptr) noexcept : ctx_(ctx) {}
    void log(wprun_log_level level, std::string_view message) const noexcept {
        if (const wprun_host_api* h = detail::host())
            h->log(ctx_, level, message.data(), message.size());
    }
    void debug(std::string_view m) const noexcept { log(WPRUN_LOG_DEBUG, m); }
    void info(std::string_view m) const noexcept { log(WPRUN_LOG_INFO, m); }
    void warn(std::string_view m) const noexcept { log(WPRUN_LOG_WARN, m); }
    void error(std::string_view m) const noexcept { log(WPRUN_LOG_ERROR, m); }

private:
    const wprun_stage_context* ctx_;
};

/// A stage's validated config. Values are already type-checked by the host.
class config {
public:
    config(const wprun_stage_context* ctx, const wprun_config* cfg) noexcept
        : ctx_(ctx), cfg_(cfg) {}

    std::string_view stage_name() const noexcept {
        return cfg_->stage_name ? cfg_->stage_name : "";
    }
    logger log() const noexcept { return logger(ctx_); }
    bool has(std::string_view name) const noexcept { return find(name) != nullptr; }

    std::string get_string(std::string_view name, std::string_view fallback = {}) const {
        const char* v = find(name);
        return std::string(v ? std::string_view(v) : fallback);
    }
    int64_t get_int(std::string_view name, int64_t fallback = 0) const {
        return number<int64_t>(name, fallback);
    }
    uint64_t get_size(std::string_view name, uint64_t fallback = 0) const {
        return number<uint64_t>(name, fallback);
    }
    /// Duration in nanoseconds.
    int64_t get_duration_ns(std::string_view name, int64_t fallback = 0) const {
        return number<int64_t>(name, fallback);
    }
    double get_float(std::string_view name, double fallback = 0) const {
        return number<double>(name, fallback);  // from_chars: independent of the locale
    }
    bool get_bool(std::string_view name, bool fallback = false) const {
        const char* v = find(name);
        return v ? std::string_view(v) == "true" : fallback;
    }

private:
    const char* find(std::string_view name) const noexcept {
        for (size_t i = 0; i < cfg_->count; ++i)
            if (name == cfg_->entries[i].name) return cfg_->entries[i].value;
        return nullptr;
    }
    template <class N>
    N number(std::string_view name, N fallback) const {
        const char* v = find(name);
        if (!v) return fallback;
        N out{};
        auto [p, ec] = std::from_chars(v, v + std::strlen(v), out);
        if (ec != std::errc()) throw config_error(std::string(name) + ": not a number: " + v);
        return out;
    }

    const wprun_stage_context* ctx_;
    const wprun_config* cfg_;
};

/// Used as the worker type of processors that declare none.
struct no_worker {};

namespace detail {

template <class T, class = void>
struct worker_of {
    using type = no_worker;
};
template <class T>
struct worker_of<T, std::void_t<typename T::worker>> {
    using type = typename T::worker;
};
template <class T>
using worker_t = typename worker_of<T>::type;
template <class T>
constexpr bool has_worker = !std::is_same_v<worker_t<T>, no_worker>;

template <class T, class = void>
struct has_schema : std::false_type {};
template <class T>
struct has_schema<T, std::void_t<decltype(T::schema())>> : std::true_type {};

template <class T, class = void>
struct has_max_workers : std::false_type {};
template <class T>
struct has_max_workers<T, std::void_t<decltype(T::max_workers)>> : std::true_type {};

template <class T, class = void>
struct has_flush_workers : std::false_type {};
template <class T>
struct has_flush_workers<
    T,
    std::void_t<decltype(std::declval<const T&>().flush(
        std::declval<worker_t<T>* const*>(), size_t{}, std::declval<emitter&>()))>>
    : std::true_type {};

template <class T, class = void>
struct has_flush_plain : std::false_type {};
template <class T>
struct has_flush_plain<
    T,
    std::void_t<decltype(std::declval<const T&>().flush(std::declval<emitter&>()))>>
    : std::true_type {};

template <class T, class = void>
struct has_batch : std::false_type {};
template <class T>
struct has_batch<
    T,
    std::void_t<decltype(std::declval<const T&>().process_batch(std::declval<worker_t<T>&>(),
                                                                std::declval<const job*>(),
                                                                size_t{},
                                                                std::declval<emitter&>(),
                                                                std::declval<result*>()))>>
    : std::true_type {};

inline job to_job(const wprun_job* j) noexcept {
    return job{std::string_view(j->payload.data, j->payload.size),
               std::string_view(j->key.data, j->key.size), j->seq, j->attempt, j->priority};
}

inline wprun_status report(const result& r, wprun_error* error) noexcept {
    if (!r.is_ok()) write_error(error, r.message());
    return static_cast<wprun_status>(r.code());
}

/// Runs `fn`, turning any exception into `fallback` with its message.
template <class Fn>
wprun_status guarded(wprun_error* error, wprun_status fallback, Fn&& fn) noexcept {
    try {
        return fn();
    } catch (const std::exception& e) {
        write_error_prefixed(error, "exception: ", e.what());
        return fallback;
    } catch (...) {
        write_error(error, "unknown exception");
        return fallback;
    }
}

template <class T>
struct adapter {
    using worker = worker_t<T>;

    static wprun_status create(const wprun_stage_context* ctx,
                               const wprun_config* cfg,
                               void** instance,
                               wprun_error* error) noexcept {
        return guarded(error, WPRUN_INVALID_CONFIG, [&] {
            try {
                *instance = new T(config(ctx, cfg));
            } catch (const config_error& e) {
                write_error(error, e.what());  // already a message for the user, no prefix
                return WPRUN_INVALID_CONFIG;
            }
            return WPRUN_OK;
        });
    }
    static void destroy(void* instance) noexcept { delete static_cast<T*>(instance); }

    static wprun_status worker_create(void* instance, void** out, wprun_error* error) noexcept {
        return guarded(error, WPRUN_FATAL, [&] {
            if constexpr (std::is_constructible_v<worker, const T&>)
                *out = new worker(*static_cast<const T*>(instance));
            else
                *out = new worker();
            return WPRUN_OK;
        });
    }
    static void worker_destroy(void*, void* w) noexcept { delete static_cast<worker*>(w); }

    static result call(const T& self, void* w, const job& j, emitter& out) {
        if constexpr (has_worker<T>)
            return self.process(*static_cast<worker*>(w), j, out);
        else
            return self.process(j, out);
    }

    static wprun_status process(void* instance,
                                void* w,
                                const wprun_job* j,
                                wprun_emitter* out,
                                wprun_error* error) noexcept {
        return guarded(error, WPRUN_REJECT, [&] {
            emitter em(out);
            return report(call(*static_cast<const T*>(instance), w, to_job(j), em), error);
        });
    }

    static void process_batch(void* instance,
                              void* w,
                              const wprun_job* jobs,
                              size_t count,
                              wprun_emitter* out,
                              wprun_result* results) noexcept {
        std::vector<job> views(count);
        std::vector<result> rs(count);
        for (size_t i = 0; i < count; ++i) views[i] = to_job(&jobs[i]);
        wprun_error first = count ? results[0].error : wprun_error{nullptr, 0};
        wprun_status st = guarded(&first, WPRUN_REJECT, [&] {
            emitter em(out);
            static_cast<const T*>(instance)->process_batch(*static_cast<worker*>(w), views.data(),
                                                           count, em, rs.data());
            return WPRUN_OK;
        });
        for (size_t i = 0; i < count; ++i) {
            if (st != WPRUN_OK) {
                results[i].status = st;
                if (i) write_error(&results[i].error, first.message ? first.message : "");
            } else {
                results[i].status = report(rs[i], &results[i].error);
            }
        }
    }

    static wprun_status flush(void* instance,
                              void* const* workers,
                              size_t count,
                              wprun_emitter* out,
                              wprun_error* error) noexcept {
        return guarded(error, WPRUN_FATAL, [&] {
            emitter em(out);
            const T& self = *static_cast<const T*>(instance);
            if constexpr (has_flush_workers<T>::value)
                return report(self.flush(reinterpret_cast<worker* const*>(workers), count, em),
                              error);
            else
                return report(self.flush(em), error);
        });
    }

    static const wprun_processor_def* def() {
        static const std::vector<wprun_config_field> fields = [] {
            std::vector<wprun_config_field> out;
            if constexpr (has_schema<T>::value)
                for (const field& f : T::schema())
                    out.push_back({sizeof(wprun_config_field), f.name, f.type, f.default_value,
                                   f.required ? 1 : 0, f.description});
            return out;
        }();
        static const std::vector<const wprun_config_field*> field_ptrs = [] {
            std::vector<const wprun_config_field*> out;
            for (const auto& f : fields) out.push_back(&f);
            return out;
        }();
        static const wprun_processor_def d = [] {
            wprun_processor_def p{};
            p.struct_size = sizeof(wprun_processor_def);
            p.name = T::name;
            p.description = T::description;
            p.config_fields = field_ptrs.data();
            p.config_field_count = field_ptrs.size();
            if constexpr (has_max_workers<T>::value) p.max_workers = T::max_workers;
            p.create = &create;
            p.destroy = &destroy;
            if constexpr (has_worker<T>) {
                p.worker_create = &worker_create;
                p.worker_destroy = &worker_destroy;
            }
            p.process = &process;
            if constexpr (has_batch<T>::value) p.process_batch = &process_batch;
            if constexpr (has_flush_workers<T>::value || has_flush_plain<T>::value)
                p.flush = &flush;
            return p;
        }();
        return &d;
    }
};

template <class... Ts>
const wprun_plugin_info* init_plugin(const char* name,
                                     const char* version,
                                     const wprun_host_api* host,
                                     wprun_error* error) noexcept {
    if (host == nullptr || WPRUN_ABI_VERSION_MAJOR(host->abi_version) != WPRUN_ABI_MAJOR) {
        write_error(error, "host ABI major version differs from the plugin's");
        return nullptr;
    }
    host_slot() = host;
    try {
        static const wprun_processor_def* const defs[] = {adapter<Ts>::def()...};
        static const wprun_plugin_info info{
            sizeof(wprun_plugin_info), WPRUN_ABI_VERSION, name, version, defs, sizeof...(Ts)};
        return &info;
    } catch (const std::exception& e) {
        write_error(error, e.what());
        return nullptr;
    }
}

}  // namespace detail

/// The C table for processor class T (used by WPRUN_PLUGIN, and by tests that run a processor
/// in-process without loading a library).
template <class T>
const wprun_processor_def* processor_def() {
    return detail::adapter<T>::def();
}

}  // namespace wprun

/// Defines the plugin's two exported entry points for the listed processor classes.
#define WPRUN_PLUGIN(plugin_name, plugin_version, ...)                                             \
    extern "C" WPRUN_EXPORT uint32_t wprun_plugin_abi_version(void) { return WPRUN_ABI_VERSION; }  \
    extern "C" WPRUN_EXPORT const wprun_plugin_info* wprun_plugin_init(const wprun_host_api* host, \
                                                                       wprun_error* error) {       \
        return ::wprun::detail::init_plugin<__VA_ARGS__>(plugin_name, plugin_version, host,        \
                                                         error);                                   \
    }
