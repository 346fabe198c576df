// jsonl_error_sink: the `jsonl` error sink, one JSON object per failed item.
//
// Each line is {"seq":N,"stage":"...","attempt":N,"error":"...","payload":"...","key":"..."}
// (key left out when empty), escaped like the jsonl sink (invalid UTF-8 becomes U+FFFD), so the
// dead-letter file can be read back by the jsonl source with `payload: /payload`. Not
// thread-safe: the engine calls an error sink from one thread.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "engine/sink.h"
#include "engine/spec.h"
#include "io/output_file.h"

namespace wprun::io {

class jsonl_error_sink final : public engine::error_sink {
public:
    explicit jsonl_error_sink(output_file out) : out_(std::move(out)) {}
    void write(const engine::failure& f) override;
    void close() override { out_.close(); }
    std::optional<uint64_t> commit() override { return out_.sync(); }

private:
    output_file out_;
};

/// Options of the `jsonl` error sink: path.
const std::vector<engine::field_schema>& jsonl_error_sink_schema();

/// Creates the file ("-" = standard error); failure is a startup_error naming it.
std::unique_ptr<engine::error_sink> make_jsonl_error_sink(const engine::io_spec& spec,
                                                          const std::filesystem::path& base_dir);

}  // namespace wprun::io
