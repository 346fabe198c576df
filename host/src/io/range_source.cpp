#include "io/range_source.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <string>

#include "io/opening.h"

namespace wprun::io {
namespace {

// True when start + (count - 1) * step stays within int64 (so no value wraps around).
bool range_fits(int64_t start, int64_t count, int64_t step) {
    if (count == 0) return true;
    int64_t span = 0;
    int64_t last = 0;
    return !__builtin_mul_overflow(count - 1, step, &span) &&
           !__builtin_add_overflow(start, span, &last);
}

}  // namespace

range_source::range_source(int64_t start, uint64_t count, int64_t step)
    : next_value_(static_cast<uint64_t>(start)), step_(static_cast<uint64_t>(step)), count_(count) {
    format_next();
}

size_t range_source::read(engine::item* out, size_t max) {
    static_assert(engine::small_bytes::inline_capacity >= sizeof text_);
    size_t n = static_cast<size_t>(std::min<uint64_t>(max, count_ - done_));
    for (size_t i = 0; i < n; ++i) {
        // A payload's buffer holds at least inline_capacity bytes: copy the whole text buffer
        // (a fixed size, so a few moves instead of a libc call), keep `text_size_` of it.
        std::memcpy(out[i].payload.resize_uninitialized(text_size_), text_, sizeof text_);
        advance();
    }
    done_ += n;
    return n;
}

void range_source::format_next() noexcept {
    auto r = std::to_chars(text_, text_ + sizeof text_, static_cast<int64_t>(next_value_));
    text_size_ = static_cast<size_t>(r.ptr - text_);
}

void range_source::advance() noexcept {
    next_value_ += step_;
    if (step_ == 1 && static_cast<int64_t>(next_value_) > 0)
        increment_text();
    else
        format_next();
}

// The text of a positive number plus one, in place: most steps change the last digit only.
void range_source::increment_text() noexcept {
    size_t i = text_size_;
    while (i > 0 && text_[i - 1] == '9') text_[--i] = '0';
    if (i > 0) {
        ++text_[i - 1];
        return;
    }
    std::memmove(text_ + 1, text_, text_size_++);  // 99..9 + 1 = 100..0: one digit longer
    text_[0] = '1';
}

const std::vector<engine::field_schema>& range_source_schema() {
    static const std::vector<engine::field_schema> fields = {
        {"start", WPRUN_TYPE_INT, "0", false, "first number"},
        {"count", WPRUN_TYPE_INT, std::nullopt, true, "how many numbers (0 or more)"},
        {"step", WPRUN_TYPE_INT, "1", false, "difference between consecutive numbers"},
    };
    return fields;
}

std::unique_ptr<engine::source> make_range_source(const engine::io_spec& spec,
                                                  const std::filesystem::path& /*base_dir*/) {
    int64_t count = std::stoll(required_option(spec, "count"));
    int64_t start = spec.opts.get_int("start", 0);
    int64_t step = spec.opts.get_int("step", 1);
    if (count < 0)
        throw_option_error(spec, "count",
                           "range: count must be 0 or more, got " + std::to_string(count));
    if (!range_fits(start, count, step))
        throw_option_error(spec, "count",
                           "range: the last number does not fit a 64-bit integer; lower count "
                           "or step");
    return std::make_unique<range_source>(start, static_cast<uint64_t>(count), step);
}

}  // namespace wprun::io
