// range_source: the `range` source, a run of integers (start, start+step, ... `count` of them).
//
// Useful for benchmarks and for pipelines that generate their own work. Each payload is the
// decimal text of the number, formatted in place (no allocation: it fits the item's inline
// buffer). With step 1 the text of the next number is the previous one incremented in place (the
// common case of a benchmark or a generated work list), else std::to_chars.
// Not thread-safe: the engine reads a source from one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "engine/source.h"
#include "engine/spec.h"

namespace wprun::io {

class range_source final : public engine::source {
public:
    /// Values wrap around on 64-bit overflow; make_range_source refuses such ranges.
    range_source(int64_t start, uint64_t count, int64_t step);
    size_t read(engine::item* out, size_t max) override;
    std::optional<uint64_t> total() const override { return count_; }

private:
    void format_next() noexcept;
    void advance() noexcept;
    void increment_text() noexcept;

    uint64_t next_value_;  ///< unsigned so that stepping past the end cannot be undefined
    uint64_t step_;
    uint64_t count_;
    uint64_t done_ = 0;
    char text_[24] = {};  ///< decimal text of next_value_ (room for a sign and 19 digits)
    size_t text_size_ = 0;
};

/// Options of the `range` source: start, count (required), step.
const std::vector<engine::field_schema>& range_source_schema();

/// Builds a range source; a negative count or a range beyond 64-bit integers is a startup_error.
std::unique_ptr<engine::source> make_range_source(const engine::io_spec& spec,
                                                  const std::filesystem::path& base_dir);

}  // namespace wprun::io
