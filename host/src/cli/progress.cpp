#include "cli/progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace wprun::cli {
namespace {

constexpr double rate_window_seconds = 5.0;
constexpr double redraw_seconds = 0.2;

}  // namespace

std::string grouped(uint64_t n) {
    std::string digits = std::to_string(n);
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string clock_text(double seconds) {
    auto s = static_cast<uint64_t>(std::max(0.0, std::round(seconds)));
    if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
    return fmt::format("{}:{:02}", s / 60, s % 60);
}

uint64_t items_done(const engine::ledger& l) {
    uint64_t terminal = l.written + l.filtered + l.failed + l.cancelled;
    uint64_t done = terminal > l.spawned ? terminal - l.spawned : 0;
    return std::min(done, l.read);
}

progress::progress(std::FILE* out, std::string name, bool terminal, double plain_every)
    : out_(out), name_(std::move(name)), terminal_(terminal), every_(plain_every) {}

void progress::update(const engine::run_report& r, double now) {
    std::string text = line(r, now);
    if (!due(now)) return;
    last_drawn_ = now;
    draw(text);
}

void progress::finish() {
    if (terminal_ && drawn_) std::fputs("\r\x1b[K", out_);
    std::fflush(out_);
    drawn_ = false;
}

std::string progress::line(const engine::run_report& r, double now) {
    uint64_t done = items_done(r.totals);
    sample(done, now);
    std::optional<double> per_second = rate();
    std::string speed = per_second ? grouped(static_cast<uint64_t>(*per_second)) + "/s" : "-/s";
    return fmt::format("{}  {}  {}  {}  failed {}", name_, counts_text(r, done), speed,
                       eta_text(r, done), grouped(r.totals.failed));
}

std::optional<double> progress::rate() const {
    if (samples_.size() < 2) return std::nullopt;
    double dt = samples_.back().first - samples_.front().first;
    if (dt <= 0) return std::nullopt;
    return static_cast<double>(samples_.back().second - samples_.front().second) / dt;
}

void progress::sample(uint64_t done, double now) {
    if (!samples_.empty() && done < samples_.back().second) done = samples_.back().second;
    samples_.emplace_back(now, done);
    while (samples_.size() > 2 && now - samples_[1].first >= rate_window_seconds)
        samples_.pop_front();
}

std::string progress::counts_text(const engine::run_report& r, uint64_t done) const {
    if (!r.total) return grouped(done);
    uint64_t total = *r.total;
    uint64_t percent = total == 0 ? 100 : std::min<uint64_t>(100, done * 100 / total);
    return fmt::format("{}/{} ({}%)", grouped(done), grouped(total), percent);
}

std::string progress::eta_text(const engine::run_report& r, uint64_t done) const {
    std::optional<double> per_second = rate();
    if (!r.total) return "elapsed " + clock_text(r.wall_seconds);
    if (!per_second || *per_second <= 0) return "ETA -";
    uint64_t left = *r.total > done ? *r.total - done : 0;
    return "ETA " + clock_text(static_cast<double>(left) / *per_second);
}

bool progress::due(double now) const {
    if (!last_drawn_) return terminal_ || now >= every_;
    return now - *last_drawn_ >= (terminal_ ? redraw_seconds : every_);
}

void progress::draw(const std::string& text) {
    if (terminal_)
        fmt::print(out_, "\r{}\x1b[K", text);
    else
        fmt::print(out_, "wprun: {}\n", text);
    std::fflush(out_);
    drawn_ = true;
}

}  // namespace wprun::cli
