// sink, error_sink: where a run's outputs and failures go (built-ins live in host/src/io/).
//
// Both are called from one thread only (the sink thread), in the order the engine decides
// (source order when the sink is ordered). `close` is called once at the end of the run and
// flushes; a sink that cannot write throws std::runtime_error, which stops the run.
// `commit` (resumable runs only) makes what was written durable and says where a resumed run
// must cut the output back to.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/item.h"

namespace wprun::engine {

class sink {
public:
    virtual ~sink() = default;
    virtual void write(const item& it) = 0;
    virtual void close() {}
    /// A sink whose `write` is quick and never blocks for long (it discards, or fills a memory
    /// buffer) may be written by the last stage's workers, one at a time under a lock (ordered
    /// runs through the reorder window as well), when the run keeps no item logs: items then
    /// skip the hop to the sink thread.
    virtual bool cheap() const noexcept { return false; }
    /// Flushes and syncs everything written so far; returns the output's size in bytes (0 for
    /// outputs that need no cutting back, such as one file per item), or nullopt when the output
    /// cannot be resumed (standard output).
    virtual std::optional<uint64_t> commit() { return std::nullopt; }
};

/// One failed item as the error output sees it.
struct failure {
    const item& it;          ///< the input that failed (payload, seq, attempt, key)
    std::string_view stage;  ///< name of the stage where it failed ("source" for the source)
    std::string_view message;
};

class error_sink {
public:
    virtual ~error_sink() = default;
    virtual void write(const failure& f) = 0;
    virtual void close() {}
    /// As sink::commit.
    virtual std::optional<uint64_t> commit() { return std::nullopt; }
};

}  // namespace wprun::engine
