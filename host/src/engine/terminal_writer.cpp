#include "engine/terminal_writer.h"

#include <algorithm>
#include <chrono>

namespace wprun::engine {
namespace {

void bump(std::atomic<uint64_t>& c, uint64_t n = 1) noexcept {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

int64_t wall_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool has(const std::vector<item>& parts, item_kind kind) {
    return std::any_of(parts.begin(), parts.end(), [&](const item& p) { return p.kind == kind; });
}

}  // namespace

std::string_view outcome_name(outcome o) noexcept {
    switch (o) {
        case outcome::written:
            return "written";
        case outcome::filtered:
            return "filtered";
        case outcome::failed:
            return "failed";
        default:
            return "cancelled";
    }
}

terminal_writer::terminal_writer(const where_to& to, bool ordered, size_t window, uint64_t first)
    : to_(to), ordered_(ordered), window_(ordered ? window : 1, first) {
    for (const item_log* log : to_.logs) stamp_ = stamp_ || log->wants_times();
}

void terminal_writer::add(item&& it) {
    if (ordered_) return window_.add(std::move(it));
    if (it.weight == full_weight) {  // the whole item arrived at once: nothing to gather
        one_.clear();
        one_.push_back(std::move(it));
        return emit(one_);
    }
    auto found = pending_.try_emplace(it.seq).first;
    pending& p = found->second;
    p.weight += it.weight;
    p.parts.push_back(std::move(it));
    if (p.weight != full_weight) return;
    std::stable_sort(p.parts.begin(), p.parts.end(),
                     [](const item& a, const item& b) { return a.path() < b.path(); });
    emit(p.parts);
    pending_.erase(found);
}

size_t terminal_writer::release() {
    return window_.release_groups([this](std::vector<item>& parts) { emit(parts); });
}

void terminal_writer::write(const item& it) {
    if (broken_) return bump(to_.cancelled);
    try {
        to_.out.write(it);
        bump(to_.written);
    } catch (const std::exception& e) {
        broken_ = true;
        bump(to_.cancelled);
        to_.signals.fail(stop_reason::error, std::string("sink: ") + e.what());
    }
}

void terminal_writer::record_failure(const item& it) {
    try {
        to_.errors.write(failure{it, to_.stage_names.at(it.stage), it.error()});
    } catch (const std::exception& e) {
        broken_ = true;  // the error output is part of what a commit covers
        to_.signals.fail(stop_reason::error, std::string("error output: ") + e.what());
    }
}

void terminal_writer::emit(std::vector<item>& parts) {
    if (parts.empty()) return;
    bool cancelled = has(parts, item_kind::cancelled);
    for (const item& p : parts) {
        if (p.kind == item_kind::data && cancelled) bump(to_.cancelled);
        if (p.kind == item_kind::data && !cancelled) write(p);
        if (p.kind == item_kind::failed) record_failure(p);
    }
    if (broken_) return;  // what follows a broken output is never logged as done
    completed_item c = summary(parts);
    for (item_log* log : to_.logs) log->completed(c);
}

completed_item terminal_writer::summary(const std::vector<item>& parts) const {
    completed_item c;
    c.seq = parts.front().seq;
    c.result = has(parts, item_kind::cancelled) ? outcome::cancelled
               : has(parts, item_kind::data)    ? outcome::written
               : has(parts, item_kind::failed)  ? outcome::failed
                                                : outcome::filtered;
    c.stage = "sink";
    for (const item& p : parts) {
        c.attempts = std::max({c.attempts, p.attempt, p.extra ? p.extra->attempts : 0u});
        if (p.extra && p.extra->started_ns != 0) c.started_ns = p.extra->started_ns;
        bool ends_here = (c.result == outcome::failed && p.kind == item_kind::failed) ||
                         (c.result == outcome::cancelled && p.kind == item_kind::cancelled) ||
                         (c.result == outcome::filtered && p.kind == item_kind::filtered);
        if (ends_here && c.stage == "sink") c.stage = to_.stage_names.at(p.stage);
        if (p.kind == item_kind::failed && c.message.empty()) c.message = p.error();
    }
    if (stamp_) c.finished_ns = wall_ns();
    return c;
}

void terminal_writer::checkpoint(checkpoint_info info) {
    info.cancelled = info.cancelled || broken_ || to_.signals.cancel.load();
    if (broken_) info.complete = false;
    for (item_log* log : to_.logs) {
        try {
            log->checkpoint(to_.out, to_.errors, info);
        } catch (const std::exception& e) {
            to_.signals.fail(stop_reason::error, e.what());
        }
    }
}

void terminal_writer::abandon_unfinished() {
    auto abandon = [this](std::vector<item>& parts) {
        for (const item& p : parts) {
            if (p.kind == item_kind::data) bump(to_.cancelled);
            if (p.kind == item_kind::failed) record_failure(p);
        }
        parts.clear();
    };
    window_.for_each_unfinished(abandon);
    for (auto& [seq, p] : pending_) abandon(p.parts);
    pending_.clear();
}

}  // namespace wprun::engine
