#include "engine/policy/adaptive_limit.h"

#include <algorithm>
#include <cmath>

namespace wprun::engine {
namespace {

constexpr double min_relative_deviation = 0.05;  // a perfectly steady latency still has slack
constexpr double max_relative_deviation = 0.5;   // twice the average is slow, however noisy

}  // namespace

adaptive_limit::adaptive_limit(params p, int64_t now_ns) noexcept
    : p_(p), limit_(std::clamp(p.initial, p.min, std::max(p.min, p.max))), opened_ns_(now_ns) {}

void adaptive_limit::record(int64_t latency_ns, uint64_t n) noexcept {
    sum_ns_ += static_cast<double>(std::max<int64_t>(latency_ns, 0)) * static_cast<double>(n);
    calls_ += n;
}

std::optional<adaptive_limit::change> adaptive_limit::update(int64_t now_ns) noexcept {
    if (now_ns - opened_ns_ < p_.window_ns) return std::nullopt;
    std::optional<change> result;
    if (calls_ > 0 || errors_ > 0) {
        double mean = calls_ > 0 ? sum_ns_ / static_cast<double>(calls_) : average_;
        const char* reason = errors_ > 0 ? "errors" : slow(mean) ? "latency" : nullptr;
        // The average learns what the backend does when not overloaded: from windows that were
        // not slow, and from any at the minimum (there the latency is the backend's own).
        if (calls_ > 0 && (reason == nullptr || limit_ == p_.min)) learn(mean);
        result = reason ? decrease(reason) : increase();
    }
    opened_ns_ = now_ns;
    sum_ns_ = 0;
    calls_ = errors_ = 0;
    reached_ = false;
    return result;
}

bool adaptive_limit::slow(double mean) const noexcept {
    double deviation = std::clamp(deviation_, min_relative_deviation * average_,
                                  max_relative_deviation * average_);
    return learned_ && mean > average_ + p_.threshold * deviation;
}

std::optional<adaptive_limit::change> adaptive_limit::decrease(const char* reason) noexcept {
    if (limit_ <= p_.min) return std::nullopt;
    unsigned from = limit_;
    auto to = static_cast<unsigned>(std::floor(static_cast<double>(limit_) * p_.decrease));
    limit_ = std::max(p_.min, std::min(to, limit_ - 1));  // at least one less
    return change{from, limit_, reason};
}

std::optional<adaptive_limit::change> adaptive_limit::increase() noexcept {
    if (!reached_ || limit_ >= p_.max) return std::nullopt;
    ++limit_;
    return change{limit_ - 1, limit_, "steady"};
}

void adaptive_limit::learn(double mean) noexcept {
    if (!learned_) {
        average_ = mean;
        deviation_ = 0;
        learned_ = true;
        return;
    }
    deviation_ = (1 - p_.alpha) * deviation_ + p_.alpha * std::fabs(mean - average_);
    average_ = (1 - p_.alpha) * average_ + p_.alpha * mean;
}

}  // namespace wprun::engine
