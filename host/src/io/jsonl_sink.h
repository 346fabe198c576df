// jsonl_sink: the `jsonl` sink, one JSON object per item, to a file or standard output.
//
// Each line is {"seq":N,"key":"...","payload":"..."} (key left out when empty). Payloads are
// arbitrary bytes, so they are written with json_text's escaping: invalid UTF-8 becomes U+FFFD,
// the same bytes nlohmann's dump with error_handler_t::replace gives, so output is deterministic.
// Only data items are written. Not thread-safe: the engine calls a sink from one thread.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "engine/sink.h"
#include "engine/spec.h"
#include "io/output_file.h"

namespace wprun::io {

class jsonl_sink final : public engine::sink {
public:
    explicit jsonl_sink(output_file out) : out_(std::move(out)) {}
    void write(const engine::item& it) override;
    void close() override { out_.close(); }
    std::optional<uint64_t> commit() override { return out_.sync(); }

private:
    output_file out_;
};

/// Options of the `jsonl` sink: path, ordered, window.
const std::vector<engine::field_schema>& jsonl_sink_schema();

/// Creates the file; failure is a startup_error naming it.
std::unique_ptr<engine::sink> make_jsonl_sink(const engine::io_spec& spec,
                                              const std::filesystem::path& base_dir);

}  // namespace wprun::io
