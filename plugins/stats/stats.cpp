// stats: count, sum, min, max and mean of numeric items, emitted once at the end of input.
//
// Each worker accumulates on its own (no shared state, no lock on the hot path); `flush` merges
// the workers. Sums use Neumaier's compensated summation, so the total is the correctly rounded
// sum for typical inputs whatever the split across workers (see README for the limits).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>
#include <wprun/plugin.hpp>

namespace {

using wprun::emitter;
using wprun::field;
using wprun::job;
using wprun::result;

/// A compensated sum: `sum + compensation` carries the bits plain addition would lose.
struct neumaier_sum {
    double sum = 0;
    double compensation = 0;

    void add(double x) noexcept {
        double t = sum + x;
        // Whichever operand is larger keeps its low bits; recover the other's lost bits.
        if (std::fabs(sum) >= std::fabs(x))
            compensation += (sum - t) + x;
        else
            compensation += (x - t) + sum;
        sum = t;
    }
    double value() const noexcept { return sum + compensation; }
};

/// One worker's running totals.
struct totals {
    uint64_t count = 0;
    neumaier_sum sum;
    double min = std::numeric_limits<double>::infinity();
    double max = -std::numeric_limits<double>::infinity();

    void add(double x) noexcept {
        ++count;
        sum.add(x);
        if (x < min) min = x;
        if (x > max) max = x;
    }
    void merge(const totals& o) noexcept {
        count += o.count;
        sum.add(o.sum.sum);
        sum.add(o.sum.compensation);
        if (o.min < min) min = o.min;
        if (o.max > max) max = o.max;
    }
};

constexpr bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

/// Appends text to a fixed buffer without allocating; a line here is well under its size.
class line_writer {
public:
    void text(std::string_view s) noexcept {
        size_t n = std::min(s.size(), sizeof buf_ - size_);
        std::char_traits<char>::copy(buf_ + size_, s.data(), n);
        size_ += n;
    }
    void number(uint64_t v) noexcept { size_ = size_t(std::to_chars(at(), end(), v).ptr - buf_); }
    /// Shortest text that reads back as `v`; JSON has no inf/nan, so it gets null there.
    void number(double v, bool json) noexcept {
        if (json && !std::isfinite(v)) return text("null");
        size_ = size_t(std::to_chars(at(), end(), v).ptr - buf_);
    }
    std::string_view view() const noexcept { return {buf_, size_}; }

private:
    char* at() noexcept { return buf_ + size_; }
    char* end() noexcept { return buf_ + sizeof buf_; }

    char buf_[256];
    size_t size_ = 0;
};

/// How the flushed line spells the five values (count, sum, min, max, mean).
struct line_style {
    const char* open;
    const char* names[5];
    const char* close;
    bool json;
};
constexpr line_style text_style{"", {"count=", " sum=", " min=", " max=", " mean="}, "", false};
constexpr line_style json_style{
    "{", {"\"count\":", ",\"sum\":", ",\"min\":", ",\"max\":", ",\"mean\":"}, "}", true};

class stats {
public:
    static constexpr const char* name = "stats";
    static constexpr const char* description =
        "Count, sum, min, max and mean of numeric items; one line at the end of input.";
    using worker = totals;

    static std::vector<field> schema() {
        return {{"format", WPRUN_TYPE_STRING, "text", false,
                 "text: count=N sum=S min=A max=B mean=M; json: one JSON object"}};
    }
    explicit stats(const wprun::config& cfg) : json_(parse_format(cfg.get_string("format"))) {}

    // Emits nothing: every item counts as filtered, and the aggregate comes from flush.
    result process(worker& w, const job& j, emitter&) const {
        std::string_view s = trim(j.payload);
        double x = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
        if (s.empty() || ec != std::errc() || p != s.data() + s.size() || !std::isfinite(x))
            return not_a_number(j.payload);
        w.add(x);
        return wprun::ok();
    }

    result flush(worker* const* workers, size_t count, emitter& out) const {
        totals all;
        for (size_t i = 0; i < count; ++i) all.merge(*workers[i]);
        line_writer line;
        write(all, json_ ? json_style : text_style, line);
        out.emit(line.view());
        return wprun::ok();
    }

private:
    static bool parse_format(std::string_view format) {
        if (format.empty() || format == "text") return false;
        if (format == "json") return true;
        throw wprun::config_error("stats: unknown format '" + std::string(format) +
                                  "' (valid: text, json)");
    }

    static result not_a_number(std::string_view payload) {
        return wprun::reject("stats: payload is not a finite number: '" +
                             std::string(payload.substr(0, 40)) + "'");
    }

    static void write(const totals& t, const line_style& style, line_writer& line) {
        line.text(style.open);
        line.text(style.names[0]);
        line.number(t.count);
        if (t.count > 0) {
            double mean = t.sum.value() / double(t.count);
            const double values[] = {t.sum.value(), t.min, t.max, mean};
            for (int i = 0; i < 4; ++i) {
                line.text(style.names[i + 1]);
                line.number(values[i], style.json);
            }
        }
        line.text(style.close);
    }

    bool json_;
};

}  // namespace

WPRUN_PLUGIN("stats", "1.0.0", stats)
