// failure_log: an error sink decorator that forwards every failure to the real error output and
// keeps the first few (seq, stage, attempt, message) for the report's errors table.
//
// Use it to wrap the run's error sink; read `kept()` and `seen()` once the run is over.
// Thread-safety: the engine calls write/close from the sink thread only; read the log after
// `pipeline::run` has returned (which joins that thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/sink.h"

namespace wprun::cli {

/// One failed item as the report shows it (no payload: the error output has it).
struct failure_row {
    uint64_t seq = 0;
    std::string stage;
    uint32_t attempt = 0;
    std::string message;
};

class failure_log : public engine::error_sink {
public:
    /// Forwards to `inner`, which must outlive this; keeps at most `keep` rows.
    explicit failure_log(engine::error_sink& inner, size_t keep = 100);

    void write(const engine::failure& f) override;
    void close() override { inner_.close(); }
    std::optional<uint64_t> commit() override { return inner_.commit(); }

    const std::vector<failure_row>& kept() const noexcept { return kept_; }
    /// Every failure written, kept or not.
    uint64_t seen() const noexcept { return seen_; }

private:
    engine::error_sink& inner_;
    size_t keep_;
    uint64_t seen_ = 0;
    std::vector<failure_row> kept_;
};

}  // namespace wprun::cli
