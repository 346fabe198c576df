// journal: the resume state of a run (`wprun run --resume`), kept in a state folder.
//
// The file `journal` in the folder is append-only text:
//     wprun-journal 1 <fingerprint> <hash>
//     c <sink bytes|-> <error bytes|-> <seq ranges|.> <hash>     one per commit
//     e <hash>                                                    the run finished
// where seq ranges are "first-last" or "seq", comma-separated: the source items completed
// (written, filtered, or failed and recorded in the error output) since the previous commit,
// and the byte counts are the sink's and the error output's sizes at the commit (absolute, so
// only the last commit's count matters; "-" where an output is not cut back, e.g. standard
// error). Each line ends in an FNV-1a hash of the rest, so a line torn by a crash (or damaged)
// ends the readable journal: `read_journal` stops there and a resumed journal cuts it off.
// A commit first syncs the sink and the error output, then appends its line and fdatasyncs the
// journal: whatever a commit line names is durable. Commits happen every `every_items` items or
// `every` of time (at a checkpoint), and at the end of the run; after a cancel nothing more is
// committed (items completing then may be partial). Not thread-safe (sink thread).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/item_log.h"
#include "engine/seq_set.h"
#include "engine/spec.h"

namespace wprun::io {

/// What the journal in a state folder says.
struct journal_state {
    std::string fingerprint;
    engine::seq_set done;                  ///< every seq committed
    std::optional<uint64_t> sink_bytes;    ///< the last commit's sink size
    std::optional<uint64_t> errors_bytes;  ///< the last commit's error output size
    bool finished = false;                 ///< the run ended with its input fully done
    uint64_t commits = 0;
    uint64_t valid_bytes = 0;  ///< length of the readable part of the file
};

/// Reads `dir`/journal; nullopt when there is none. Throws std::runtime_error when the file is
/// not a wprun journal.
std::optional<journal_state> read_journal(const std::filesystem::path& dir);

class journal final : public engine::item_log {
public:
    /// When a checkpoint commits. Time first: a commit costs an fdatasync of each output and of
    /// the journal (milliseconds on a disk), so committing every few thousand fast items would
    /// make the syncs the run's bottleneck; 200 ms bounds both the sync overhead and the work a
    /// resumed run redoes. The item count bounds the memory of the pending seqs.
    struct cadence {
        size_t every_items = size_t{1} << 20;
        int64_t every_ns = 200'000'000;
    };

    /// Starts a new journal in `dir` (created when missing; an old journal is replaced) whose
    /// first commit records the outputs' sizes before the run wrote anything.
    static std::unique_ptr<journal> start(const std::filesystem::path& dir,
                                          const std::string& fingerprint,
                                          std::optional<uint64_t> sink_bytes,
                                          std::optional<uint64_t> errors_bytes,
                                          cadence every);
    /// Continues the journal `state` was read from (a torn last line is cut off first).
    static std::unique_ptr<journal> resume(const std::filesystem::path& dir,
                                           const journal_state& state,
                                           cadence every);
    ~journal() override;
    journal(const journal&) = delete;
    journal& operator=(const journal&) = delete;

    void completed(const engine::completed_item& c) override;
    void checkpoint(engine::sink& out,
                    engine::error_sink& errors,
                    const engine::checkpoint_info& info) override;
    uint64_t commits() const noexcept { return commits_; }

private:
    journal(int fd, std::string name, cadence every);
    void commit(engine::sink& out, engine::error_sink& errors);
    void append(std::string line);

    int fd_;
    std::string name_;
    cadence every_;
    std::vector<uint64_t> pending_;  ///< completed since the last commit
    int64_t last_commit_ns_;
    uint64_t commits_ = 0;
    bool stopped_ = false;  ///< cancelled: no more commits
};

/// The 16-hex-digit FNV-1a hash journal lines end with (also used for fingerprints).
std::string journal_hash(std::string_view text);

}  // namespace wprun::io

namespace wprun::io {

/// Prepares an output of a resumed run: cuts the file named by the spec's `path` option back to
/// `bytes` (its last commit) and marks the spec `resume` so the sink writes after it. Nothing to
/// do for standard output/error, one-file-per-item and null outputs (`bytes` nullopt or no
/// `path`). Throws std::runtime_error when the file is shorter than `bytes` (it was changed).
void cut_back_output(engine::io_spec& spec,
                     const std::filesystem::path& base_dir,
                     std::optional<uint64_t> bytes);

/// The file or folder an output writes to ("" for standard output/error and `null`).
std::filesystem::path output_target(const engine::io_spec& spec,
                                    const std::filesystem::path& base_dir);

}  // namespace wprun::io
