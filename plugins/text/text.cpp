// text: line-oriented processors over each item's bytes (ASCII case, trim, regex replace and
// filter, split). Regexes are ECMAScript std::regex, compiled once per stage; the compiled regex
// is only read by workers, which std::regex allows concurrently.
#include <iterator>
#include <regex>
#include <string>
#include <string_view>
#include <vector>
#include <wprun/plugin.hpp>

namespace {

using wprun::emitter;
using wprun::field;
using wprun::job;
using wprun::result;

constexpr bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// ASCII only, on purpose: bytes of multi-byte UTF-8 sequences are never in 'a'..'z', so they pass
// through intact, and the result does not depend on the process locale.
constexpr char to_upper(char c) noexcept { return c >= 'a' && c <= 'z' ? char(c - 32) : c; }
constexpr char to_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; }

// Per-worker output buffer: grows to the largest item once, then is reused without allocating.
struct text_buffer {
    std::string bytes;
};

template <char (*Map)(char) noexcept>
result map_bytes(text_buffer& w, const job& j, const emitter& out) {
    w.bytes.assign(j.payload);
    for (char& c : w.bytes) c = Map(c);
    out.emit(w.bytes);
    return wprun::ok();
}

std::regex compile(const wprun::config& cfg, const char* processor) {
    std::string pattern = cfg.get_string("pattern");
    try {
        return std::regex(pattern, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
        throw wprun::config_error(std::string(processor) + ": invalid regex in 'pattern' (" +
                                  pattern + "): " + e.what());
    }
}

class upper {
public:
    static constexpr const char* name = "upper";
    static constexpr const char* description = "Upper-cases ASCII letters of each item.";
    using worker = text_buffer;

    explicit upper(const wprun::config&) {}
    result process(worker& w, const job& j, emitter& out) const {
        return map_bytes<to_upper>(w, j, out);
    }
};

class lower {
public:
    static constexpr const char* name = "lower";
    static constexpr const char* description = "Lower-cases ASCII letters of each item.";
    using worker = text_buffer;

    explicit lower(const wprun::config&) {}
    result process(worker& w, const job& j, emitter& out) const {
        return map_bytes<to_lower>(w, j, out);
    }
};

class trim {
public:
    static constexpr const char* name = "trim";
    static constexpr const char* description =
        "Removes ASCII whitespace from both ends of each item.";

    explicit trim(const wprun::config&) {}
    // A view into the payload: the host copies emitted bytes, so nothing is allocated here.
    result process(const job& j, emitter& out) const {
        std::string_view s = j.payload;
        while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
        while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
        out.emit(s);
        return wprun::ok();
    }
};

class replace {
public:
    static constexpr const char* name = "replace";
    static constexpr const char* description =
        "Replaces every match of an ECMAScript regex ($&, $1.. in 'with' refer to the match).";
    using worker = text_buffer;

    static std::vector<field> schema() {
        return {{"pattern", WPRUN_TYPE_STRING, nullptr, true, "ECMAScript regex to replace"},
                {"with", WPRUN_TYPE_STRING, "", false, "replacement; $& and $1..$99 expand"}};
    }
    explicit replace(const wprun::config& cfg)
        : re_(compile(cfg, name)), with_(cfg.get_string("with")) {}

    result process(worker& w, const job& j, emitter& out) const {
        w.bytes.clear();
        std::regex_replace(std::back_inserter(w.bytes), j.payload.begin(), j.payload.end(), re_,
                           with_);
        out.emit(w.bytes);
        return wprun::ok();
    }

private:
    std::regex re_;
    std::string with_;
};

class grep {
public:
    static constexpr const char* name = "grep";
    static constexpr const char* description =
        "Keeps items that contain a match of an ECMAScript regex (or, with invert, drops them).";

    static std::vector<field> schema() {
        return {{"pattern", WPRUN_TYPE_STRING, nullptr, true, "ECMAScript regex searched for"},
                {"invert", WPRUN_TYPE_BOOL, "false", false, "keep the items that do not match"}};
    }
    explicit grep(const wprun::config& cfg)
        : re_(compile(cfg, name)), invert_(cfg.get_bool("invert")) {}

    // Emitting nothing marks the item as filtered; that is how a dropped line is reported.
    result process(const job& j, emitter& out) const {
        bool found = std::regex_search(j.payload.begin(), j.payload.end(), re_);
        if (found != invert_) out.emit(j.payload);
        return wprun::ok();
    }

private:
    std::regex re_;
    bool invert_;
};

class split {
public:
    static constexpr const char* name = "split";
    static constexpr const char* description =
        "Splits each item on a separator string and emits one item per part.";

    static std::vector<field> schema() {
        return {{"separator", WPRUN_TYPE_STRING, ",", false, "the separator (not a regex)"},
                {"skip_empty", WPRUN_TYPE_BOOL, "false", false, "drop empty parts"}};
    }
    explicit split(const wprun::config& cfg)
        : separator_(cfg.get_string("separator", ",")), skip_empty_(cfg.get_bool("skip_empty")) {
        if (separator_.empty()) throw wprun::config_error("split: 'separator' must not be empty");
    }

    // Parts are views into the payload; the host copies what is emitted.
    result process(const job& j, emitter& out) const {
        std::string_view rest = j.payload;
        for (;;) {
            size_t at = rest.find(separator_);
            emit_part(rest.substr(0, at), out);
            if (at == std::string_view::npos) break;
            rest.remove_prefix(at + separator_.size());
        }
        return wprun::ok();
    }

private:
    void emit_part(std::string_view part, const emitter& out) const {
        if (!part.empty() || !skip_empty_) out.emit(part);
    }

    std::string separator_;
    bool skip_empty_;
};

}  // namespace

WPRUN_PLUGIN("text", "1.0.0", upper, lower, trim, replace, grep, split)
