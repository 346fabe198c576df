// null_sink: the `null` sink and the `null` error sink, which discard what they are given.
//
// For benchmarks (measure the pipeline without output cost) and for runs whose stages have side
// effects of their own. Stateless, so trivially safe from any thread.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "engine/sink.h"
#include "engine/spec.h"

namespace wprun::io {

class null_sink final : public engine::sink {
public:
    void write(const engine::item&) override {}
    bool cheap() const noexcept override { return true; }
    std::optional<uint64_t> commit() override { return 0; }
};

class null_error_sink final : public engine::error_sink {
public:
    void write(const engine::failure&) override {}
    std::optional<uint64_t> commit() override { return 0; }
};

/// Options of the `null` sink: ordered, window (so that ordering can be benchmarked too).
const std::vector<engine::field_schema>& null_sink_schema();
/// Options of the `null` error sink: none.
const std::vector<engine::field_schema>& null_error_sink_schema();

std::unique_ptr<engine::sink> make_null_sink(const engine::io_spec& spec,
                                             const std::filesystem::path& base_dir);
std::unique_ptr<engine::error_sink> make_null_error_sink(const engine::io_spec& spec,
                                                         const std::filesystem::path& base_dir);

}  // namespace wprun::io
