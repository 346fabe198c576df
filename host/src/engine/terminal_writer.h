// terminal_writer: the sink thread's work when the run keeps item logs (job log, journal).
//
// Gathers every part of each source item — outputs and filtered/failed/cancelled markers — until
// their weights sum to the whole, then handles the item at once: its outputs go to the sink (in
// source order through the reorder window when ordered), its failures to the error sink, and
// each item log hears how it ended. Handling a source item whole is what makes resume exact: a
// commit never covers half of an item's outputs. An item with a cancelled part (the run was
// being cancelled) writes none of its outputs (they count as cancelled), so it is done again on
// resume. Items that reach the sink whole (no fan-out) are never buffered when unordered.
// Not thread-safe: owned by the sink thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/item_log.h"
#include "engine/reorder_window.h"
#include "engine/run_signals.h"
#include "engine/sink.h"

namespace wprun::engine {

class terminal_writer {
public:
    struct where_to {
        sink& out;
        error_sink& errors;
        const std::vector<std::string>& stage_names;  ///< by item.stage; 0 = the source
        const std::vector<item_log*>& logs;
        run_signals& signals;
        std::atomic<uint64_t>& written;    ///< bumped per output written
        std::atomic<uint64_t>& cancelled;  ///< bumped per output not written
    };

    /// `first_seq` (ordered): the first seq the window expects.
    terminal_writer(const where_to& to, bool ordered, size_t window, uint64_t first_seq);

    /// One terminal part of a source item (any kind; not a flush output).
    void add(item&& it);
    /// Ordered: handles the source items that are now complete and in order; returns how many.
    size_t release();
    /// Writes one output outside any source item (flush outputs at the end).
    void write(const item& it);
    /// Calls every log's checkpoint; a throwing log stops the run.
    void checkpoint(checkpoint_info info);
    /// End of the run: parts of source items that never completed. Their failures still reach
    /// the error output; their outputs are counted as cancelled.
    void abandon_unfinished();

private:
    struct pending {
        uint64_t weight = 0;
        std::vector<item> parts;
    };
    void emit(std::vector<item>& parts);
    void record_failure(const item& it);
    completed_item summary(const std::vector<item>& parts) const;

    where_to to_;
    bool ordered_;
    bool stamp_ = false;
    bool broken_ = false;  ///< the sink threw: nothing more is written or committed
    reorder_window window_;
    std::unordered_map<uint64_t, pending> pending_;  ///< unordered: incomplete fan-out items
    std::vector<item> one_;                          ///< unordered: a whole item, reused
};

}  // namespace wprun::engine
