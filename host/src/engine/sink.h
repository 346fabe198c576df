// sink, error_sink: where a run's outputs and failures go (built-ins live in host/src/io/).
//
// Both are called from one thread only (the sink thread), in the order the engine decides
// (source order when the sink is ordered). `close` is called once at the end of the run and
// flushes; a sink that cannot write throws std::runtime_error, which stops the run.
#pragma once

#include <string_view>

#include "engine/item.h"

namespace wprun::engine {

class sink {
public:
    virtual ~sink() = default;
    virtual void write(const item& it) = 0;
    virtual void close() {}
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
};

}  // namespace wprun::engine
