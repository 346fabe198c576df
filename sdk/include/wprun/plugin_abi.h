/*
 * wprun plugin ABI, version 1.1 (1.1 added wprun_host_api::retry_after).
 *
 * The C contract between the wprun host and processor plugins. A plugin is a shared library that
 * exports exactly two functions (see the bottom of this file); everything else is reached through
 * the tables declared here. C++ authors use <wprun/plugin.hpp>, which builds these tables from a
 * class and never lets an exception cross this boundary.
 *
 * Compatibility rules (see VERSIONING.md):
 *  - A plugin built for ABI major M, minor m loads in a host with the same major M and minor >= m.
 *  - Every struct starts with `struct_size`; structs only grow at their end. A reader must check
 *    `struct_size` before touching a field added after version 1.0.
 *  - Optional callbacks are NULL when absent.
 *
 * Ownership: every pointer the host passes is owned by the host and valid only for the duration
 * of the call, unless stated otherwise. Every pointer a plugin returns in a table
 * (wprun_plugin_info and what it points to) is owned by the plugin and must stay valid until the
 * library is unloaded.
 *
 * Thread-safety: `create`/`destroy` and `flush` are called from one thread at a time. `process`
 * and `process_batch` are called concurrently from several worker threads on the same instance,
 * each with its own worker state; the instance must be treated as read-only after `create`.
 */
#ifndef WPRUN_PLUGIN_ABI_H
#define WPRUN_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WPRUN_ABI_MAJOR 1
#define WPRUN_ABI_MINOR 1
/** The ABI version as one number: major in the high 16 bits, minor in the low 16 bits. */
#define WPRUN_ABI_VERSION ((uint32_t)((WPRUN_ABI_MAJOR << 16) | WPRUN_ABI_MINOR))
#define WPRUN_ABI_VERSION_MAJOR(v) ((uint32_t)(v) >> 16)
#define WPRUN_ABI_VERSION_MINOR(v) ((uint32_t)(v)&0xffffu)

/** Outcome of a call into a plugin. */
typedef enum wprun_status {
    WPRUN_OK = 0,             /**< the item was processed; its outputs (0..n) were emitted */
    WPRUN_RETRY = 1,          /**< transient failure: the host may call again with the same input */
    WPRUN_REJECT = 2,         /**< this item is bad: it goes to the error output, the run goes on */
    WPRUN_FATAL = 3,          /**< the processor cannot go on: the host stops the run cleanly */
    WPRUN_INVALID_CONFIG = 4, /**< only from `create`: the stage's config is not acceptable */
} wprun_status;

typedef enum wprun_log_level {
    WPRUN_LOG_TRACE = 0,
    WPRUN_LOG_DEBUG = 1,
    WPRUN_LOG_INFO = 2,
    WPRUN_LOG_WARN = 3,
    WPRUN_LOG_ERROR = 4,
} wprun_log_level;

/** Type of a config field, checked by the host before `create` is called. */
typedef enum wprun_value_type {
    WPRUN_TYPE_STRING = 0,
    WPRUN_TYPE_INT = 1,      /**< signed 64-bit decimal */
    WPRUN_TYPE_FLOAT = 2,    /**< decimal floating point */
    WPRUN_TYPE_BOOL = 3,     /**< true / false */
    WPRUN_TYPE_DURATION = 4, /**< "250ms", "2s", "1m", "500us"; passed as nanoseconds (decimal) */
    WPRUN_TYPE_SIZE = 5,     /**< "64KiB", "8MiB", "100"; passed as bytes (decimal) */
} wprun_value_type;

/** A byte range. Not NUL-terminated. Owned by whoever passes it, valid for the call. */
typedef struct wprun_bytes {
    const char* data;
    size_t size;
} wprun_bytes;

/**
 * A buffer the host owns, into which a plugin writes a NUL-terminated error message
 * (truncated to `capacity - 1` bytes). Valid for the call only.
 */
typedef struct wprun_error {
    char* message;
    size_t capacity;
} wprun_error;

/** One item handed to `process`. Owned by the host; valid for the call only. */
typedef struct wprun_job {
    size_t struct_size;
    wprun_bytes payload; /**< the item's bytes */
    wprun_bytes key;     /**< optional key (e.g. a file's relative name); size 0 when absent */
    uint64_t seq;        /**< sequence number assigned by the source, 0-based */
    uint32_t attempt;    /**< 1 on the first call, 2 on the first retry, ... */
    int32_t priority;    /**< 0 unless the source set one */
} wprun_job;

/** One entry of a processor's config schema. Owned by the plugin. */
typedef struct wprun_config_field {
    size_t struct_size;
    const char* name;
    wprun_value_type type;
    const char* default_value; /**< text form of the default, or NULL when there is none */
    int required;              /**< nonzero: the stage must set it */
    const char* description;
} wprun_config_field;

/** One validated config entry: the name and the value in canonical text form. */
typedef struct wprun_config_entry {
    const char* name;
    const char* value;
} wprun_config_entry;

/**
 * A stage's config, validated against the schema by the host, defaults filled in: every field of
 * the schema appears once, except optional fields with no default that the stage did not set.
 * Owned by the host; valid during `create` only (copy what you keep).
 */
typedef struct wprun_config {
    size_t struct_size;
    const wprun_config_entry* entries;
    size_t count;
    const char* stage_name;
} wprun_config;

/** Host handle for one stage; passed to `create`, valid until `destroy` returns. */
typedef struct wprun_stage_context wprun_stage_context;
/** Host handle through which `process`, `process_batch` and `flush` emit outputs. */
typedef struct wprun_emitter wprun_emitter;

/** Services the host offers. Owned by the host; valid until the library is unloaded. */
typedef struct wprun_host_api {
    size_t struct_size;
    uint32_t abi_version; /**< the host's WPRUN_ABI_VERSION */
    /** Logs a message (not NUL-terminated) under the stage's name. Never fails. */
    void (*log)(const wprun_stage_context* ctx,
                wprun_log_level level,
                const char* message,
                size_t size);
    /**
     * Emits one output for the current job (or, inside `process_batch`, for the job selected with
     * `select`). The bytes are copied. Returns 0, or nonzero when the run is stopping (the
     * output is still kept). Only from the thread the host called, during that call: an emit
     * from another thread or after `flush` is refused (nonzero, output dropped) and fails the
     * call's item (or, after `flush`, is logged as an error).
     */
    int (*emit)(wprun_emitter* out, const char* data, size_t size);
    /** Inside `process_batch`: the following `emit` calls belong to `jobs[index]`. */
    void (*select)(wprun_emitter* out, size_t index);
    /** Nonzero when the plugin should stop early (run cancelled or item timed out). */
    int (*should_stop)(const wprun_emitter* out);
    /** Monotonic deadline for the current call in nanoseconds (CLOCK_MONOTONIC), 0 if none. */
    uint64_t (*deadline_ns)(const wprun_emitter* out);

    /* ---- Added in ABI 1.1: check struct_size (or the host's minor) before calling. ---- */

    /**
     * Inside `process`: if this call returns WPRUN_RETRY, the next attempt should wait at least
     * `delay_ns` (e.g. an HTTP Retry-After). The stage's retry policy still decides whether
     * there is a next attempt: it waits the larger of its own backoff and this delay, and gives
     * up instead when the delay would run past its `max_elapsed`. Ignored for other statuses and
     * by stages without a retry policy. The last call before the status returns wins.
     */
    void (*retry_after)(wprun_emitter* out, uint64_t delay_ns);
} wprun_host_api;

/** Per-job result in `process_batch`. */
typedef struct wprun_result {
    wprun_status status;
    wprun_error error;
} wprun_result;

/** One processor a plugin provides. Owned by the plugin. */
typedef struct wprun_processor_def {
    size_t struct_size;
    const char* name; /**< unique across all loaded plugins, e.g. "hash" */
    const char* description;
    const wprun_config_field* const* config_fields;
    size_t config_field_count;
    uint32_t max_workers; /**< hint: the most workers that help; 0 = no limit */

    /**
     * Required. Creates the per-stage instance. Return WPRUN_INVALID_CONFIG with a message on bad
     * config.
     */
    wprun_status (*create)(const wprun_stage_context* ctx,
                           const wprun_config* config,
                           void** instance,
                           wprun_error* error);
    /** Required. Destroys what `create` made. */
    void (*destroy)(void* instance);
    /** Creates the state of one worker thread; NULL callbacks mean the processor needs none. */
    wprun_status (*worker_create)(void* instance, void** worker, wprun_error* error);
    void (*worker_destroy)(void* instance, void* worker);

    /** Required. Processes one job, emitting 0..n outputs through `out`. */
    wprun_status (*process)(
        void* instance, void* worker, const wprun_job* job, wprun_emitter* out, wprun_error* error);
    /** Optional. Processes `count` jobs at once, one result per job in `results`. */
    void (*process_batch)(void* instance,
                          void* worker,
                          const wprun_job* jobs,
                          size_t count,
                          wprun_emitter* out,
                          wprun_result* results);
    /**
     * Optional. Called once at the end of input, after every worker has stopped and before the
     * worker states are destroyed, with all of them. May emit outputs (e.g. aggregates).
     */
    wprun_status (*flush)(void* instance,
                          void* const* workers,
                          size_t worker_count,
                          wprun_emitter* out,
                          wprun_error* error);
} wprun_processor_def;

/** What `wprun_plugin_init` returns. Owned by the plugin. */
typedef struct wprun_plugin_info {
    size_t struct_size;
    uint32_t abi_version; /**< the WPRUN_ABI_VERSION the plugin was built with */
    const char* name;     /**< plugin name, e.g. "text" */
    const char* version;  /**< plugin version, e.g. "1.2.0" */
    const wprun_processor_def* const* processors;
    size_t processor_count;
} wprun_plugin_info;

/* The two exported entry points. Their signatures are frozen for every ABI version. */
#define WPRUN_ENTRY_ABI_VERSION "wprun_plugin_abi_version"
#define WPRUN_ENTRY_INIT "wprun_plugin_init"
/** Returns the WPRUN_ABI_VERSION the plugin was built with. Must not fail. */
typedef uint32_t (*wprun_plugin_abi_version_fn)(void);
/**
 * Initialises the plugin. `host` stays valid until the library is unloaded. Returns NULL and
 * writes `error` when the plugin cannot start.
 */
typedef const wprun_plugin_info* (*wprun_plugin_init_fn)(const wprun_host_api* host,
                                                         wprun_error* error);

#ifdef __cplusplus
}
#endif

#endif /* WPRUN_PLUGIN_ABI_H */
