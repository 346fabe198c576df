// lines_sink: the `lines` sink, each payload followed by "\n", to a file or standard output.
//
// Writes go through output_file's 1 MiB buffer: one memcpy per item, no allocation. Only data
// items are written (markers for filtered or failed items are skipped). Not thread-safe: the
// engine calls a sink from one thread.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "engine/sink.h"
#include "engine/spec.h"
#include "io/output_file.h"

namespace wprun::io {

class lines_sink final : public engine::sink {
public:
    explicit lines_sink(output_file out) : out_(std::move(out)) {}
    void write(const engine::item& it) override {
        if (it.kind != engine::item_kind::data) return;
        out_.write(it.payload.view());
        out_.put('\n');
    }
    void close() override { out_.close(); }
    /// A memcpy into the buffer; the kernel write once per MiB.
    bool cheap() const noexcept override { return true; }
    std::optional<uint64_t> commit() override { return out_.sync(); }

private:
    output_file out_;
};

/// Options of the `lines` sink: path, append, ordered, window.
const std::vector<engine::field_schema>& lines_sink_schema();

/// Creates (or opens for appending) the file; failure is a startup_error naming it.
std::unique_ptr<engine::sink> make_lines_sink(const engine::io_spec& spec,
                                              const std::filesystem::path& base_dir);

}  // namespace wprun::io
