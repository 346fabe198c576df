// progress: the live status of a run on stderr, fed with the engine's tick snapshots.
//
// On a terminal, one line redrawn in place ("\r" + clear to end of line), at most every 200 ms:
//     checksum  1,234/12,000 (10%)  5,321/s  ETA 0:02  failed 3
// Elsewhere (a log file, CI), a plain line every `plain_every` seconds instead. "Done" counts
// source items that reached a terminal state; the rate is taken over the last few seconds. Time
// is a parameter (seconds since the run started), so tests need no sleeps. Never writes to
// stdout: the sink may be stdout.
// Not thread-safe: feed it from one thread (the engine calls on_tick from the calling thread).
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "engine/report.h"

namespace wprun::cli {

/// 1234567 -> "1,234,567".
std::string grouped(uint64_t n);
/// Seconds as "0:07", "12:34" or "1:02:03".
std::string clock_text(double seconds);

/// Items read from the source that reached a terminal state (fan-out outputs not counted).
uint64_t items_done(const engine::ledger& l);

class progress {
public:
    /// Writes to `out`; `terminal` picks the redrawn line over plain lines every `plain_every` s.
    progress(std::FILE* out, std::string name, bool terminal, double plain_every = 5.0);

    /// Takes a snapshot taken `now` seconds after the run started; draws when it is time.
    void update(const engine::run_report& r, double now);
    /// Clears the live line (terminal), so the final report starts on a clean line.
    void finish();

    /// The status text for `r` at `now` (also records the sample for the rate).
    std::string line(const engine::run_report& r, double now);
    /// Items per second over the last few seconds; nullopt until two samples span some time.
    std::optional<double> rate() const;

private:
    void sample(uint64_t done, double now);
    std::string counts_text(const engine::run_report& r, uint64_t done) const;
    std::string eta_text(const engine::run_report& r, uint64_t done) const;
    bool due(double now) const;
    void draw(const std::string& text);

    std::FILE* out_;
    std::string name_;
    bool terminal_;
    double every_;
    std::optional<double> last_drawn_;
    bool drawn_ = false;
    std::deque<std::pair<double, uint64_t>> samples_;  ///< (time, done), the last few seconds
};

}  // namespace wprun::cli
