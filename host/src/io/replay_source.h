// replay_source: the items of an error output, to run them again (`wprun run --retry-failed`).
//
// `read_failed_records` reads what the `jsonl` error sink wrote — one
// {"seq","stage","attempt","error","payload","key"} object per line — and `replay_source` hands
// the records' payloads (and keys) to a run as source items, in file order. A payload is the
// input of the stage that failed it, so the caller runs each record from that stage on.
// Payloads were written as JSON text: bytes that were not valid UTF-8 come back as U+FFFD.
// Not thread-safe: read from one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/source.h"

namespace wprun::io {

struct failed_record {
    uint64_t seq = 0;  ///< in the run that failed it
    std::string stage;
    std::string payload;
    std::string key;
    uint64_t line = 0;  ///< in the error output, for messages
};

/// Reads every record of an error output; a last line without its newline (torn by a crash) is
/// skipped. Throws std::runtime_error "FILE:LINE: why" for a line that is not a record.
std::vector<failed_record> read_failed_records(const std::filesystem::path& file);

class replay_source final : public engine::source {
public:
    explicit replay_source(std::vector<failed_record> records) : records_(std::move(records)) {}
    size_t read(engine::item* out, size_t max) override;
    std::optional<uint64_t> total() const override { return records_.size(); }

private:
    std::vector<failed_record> records_;
    size_t next_ = 0;
};

}  // namespace wprun::io
