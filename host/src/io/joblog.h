// joblog: `--joblog FILE`, one tab-separated line per source item that reached its end.
//
// Like GNU parallel's --joblog: a header line, then per item
//     seq  stage  start  runtime  outcome  attempts  message
// where `start` is when the source read the item (seconds since the epoch, 3 decimals),
// `runtime` the seconds until it completed, `outcome` written/filtered/failed/cancelled,
// `attempts` the most calls a stage made for it (retries included), `stage` where it ended
// ("sink" when written), and `message` the first failure's message (tabs, newlines and
// backslashes escaped as \t \n \r \\). Lines are buffered and appended whole at each
// checkpoint (with O_APPEND); the file is only ever appended to, and the header is written only
// when the file is empty, so a resumed run continues the same log. After a crash the last line
// may be torn: readers skip a last line without its newline. Not fsync'd: it is a log for people
// and scripts; the resume journal is what a resumed run trusts. With --resume, `cut_back_joblog`
// first drops the lines of items the journal does not hold (and repeats), so the log never
// claims an item done that a resumed run will do again. Not thread-safe (sink thread).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "engine/item_log.h"
#include "engine/seq_set.h"

namespace wprun::io {

class joblog final : public engine::item_log {
public:
    static constexpr const char* header =
        "seq\tstage\tstart\truntime\toutcome\tattempts\tmessage\n";

    /// Opens `path` for appending (creating it, and its folder); throws std::runtime_error.
    static std::unique_ptr<joblog> open(const std::filesystem::path& path);
    ~joblog() override;
    joblog(const joblog&) = delete;
    joblog& operator=(const joblog&) = delete;

    bool wants_times() const override { return true; }
    void completed(const engine::completed_item& c) override;
    void checkpoint(engine::sink& out,
                    engine::error_sink& errors,
                    const engine::checkpoint_info& info) override;

private:
    joblog(int fd, std::string name);
    void write_out();

    int fd_;
    std::string name_;
    std::string buffer_;
};

/// Rewrites the job log at `path` to its header and the first line of each seq in `done` (the
/// seqs a resume journal committed): lines of other seqs, repeats, a torn last line and lines
/// that are not job log lines are dropped. A missing file stays missing. Returns how many lines
/// were dropped; throws std::runtime_error.
uint64_t cut_back_joblog(const std::filesystem::path& path, const engine::seq_set& done);

/// One job log line for `c` (with its newline), appended to `out` / returned.
void append_joblog_line(std::string& out, const engine::completed_item& c);
std::string joblog_line(const engine::completed_item& c);

}  // namespace wprun::io
