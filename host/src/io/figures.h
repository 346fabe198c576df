// figures: what a source or sink tells the end-of-run report about itself, beyond the ledger
// (the redis source's redelivered entries, the redis sink's backpressure waits).
//
// A source or sink that has such figures also derives from `reported`; the CLI finds it with a
// dynamic_cast, prints `summary()` as one line of the text report and puts `figures()` into the
// JSON report (`source_figures`, `sink_figures`). Called once, after the run, on the thread that
// ran it.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace wprun::io {

/// A named figure: a count, or seconds (a name ending in `_seconds`).
using figure = std::pair<std::string, double>;

class reported {
public:
    virtual ~reported() = default;
    /// One line for the text report; empty = none.
    virtual std::string summary() const = 0;
    /// The same, as named figures for the JSON report, in a stable order.
    virtual std::vector<figure> figures() const = 0;
};

}  // namespace wprun::io
