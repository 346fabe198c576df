#include "io/range_source.h"

#include <algorithm>
#include <charconv>
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
    : next_value_(static_cast<uint64_t>(start)),
      step_(static_cast<uint64_t>(step)),
      count_(count) {}

size_t range_source::read(engine::item* out, size_t max) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(max, count_ - done_));
    char digits[24];
    for (size_t i = 0; i < n; ++i) {
        auto r = std::to_chars(digits, digits + sizeof digits, static_cast<int64_t>(next_value_));
        out[i].payload.assign(std::string_view(digits, static_cast<size_t>(r.ptr - digits)));
        next_value_ += step_;
    }
    done_ += n;
    return n;
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
