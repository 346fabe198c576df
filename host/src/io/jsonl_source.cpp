#include "io/jsonl_source.h"

#include <cstdint>
#include <limits>

#include "io/opening.h"

namespace wprun::io {
namespace {

using json = nlohmann::json;

bool blank(std::string_view line) {
    return line.find_first_not_of(" \t") == std::string_view::npos;
}

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1,
// column 5: " prefix (our message gives the file's line and the byte itself).
std::string parse_reason(const json::parse_error& e) {
    std::string_view what = e.what();
    size_t colon = what.find(": ");
    return std::string(colon == std::string_view::npos ? what : what.substr(colon + 2));
}

// The value at `p`, or nullptr (at() throws for a missing member or a bad array index).
const json* find(const json& doc, const json::json_pointer& p) {
    try {
        return &doc.at(p);
    } catch (const json::exception&) {
        return nullptr;
    }
}

std::string text_of(const json& v) {
    if (v.is_string()) return v.get_ref<const std::string&>();
    return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<int32_t> as_priority(const json& v) {
    if (v.is_number_unsigned()) {
        auto u = v.get<uint64_t>();
        if (u <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max()))
            return static_cast<int32_t>(u);
        return std::nullopt;
    }
    if (!v.is_number_integer()) return std::nullopt;
    auto i = v.get<int64_t>();
    if (i < std::numeric_limits<int32_t>::min() || i > std::numeric_limits<int32_t>::max())
        return std::nullopt;
    return static_cast<int32_t>(i);
}

std::optional<json::json_pointer> optional_pointer(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    return json::json_pointer(*text);
}

std::optional<std::string> option_value(const engine::io_spec& spec, std::string_view name) {
    const engine::option* o = spec.opts.find(name);
    return o ? std::optional<std::string>(o->value) : std::nullopt;
}

void check_pointer(const engine::io_spec& spec, std::string_view name) {
    std::optional<std::string> text = option_value(spec, name);
    if (!text || text->empty()) return;
    try {
        json::json_pointer p(*text);
    } catch (const json::parse_error& e) {
        std::string why = parse_reason(e);
        throw_option_error(spec, name,
                           "jsonl: `" + std::string(name) + "` is not a JSON Pointer (" + why +
                               "); write it like /field or /list/0");
    }
}

}  // namespace

jsonl_source::jsonl_source(line_reader reader, const jsonl_source_options& opts)
    : reader_(std::move(reader)),
      payload_(opts.payload.empty() ? std::nullopt : std::optional<pointer>(pointer(opts.payload))),
      key_(optional_pointer(opts.key)),
      priority_(optional_pointer(opts.priority)),
      max_bytes_(opts.max_bytes) {}

size_t jsonl_source::read(engine::item* out, size_t max) {
    size_t n = 0;
    std::string_view line;
    while (n < max && reader_.next(line))
        if (reader_.truncated() || !blank(line)) parse_line(line, out[n++]);
    return n;
}

void jsonl_source::parse_line(std::string_view line, engine::item& it) const {
    if (reader_.truncated())
        return fail(it, line, "longer than max_item_bytes (" + engine::size_text(max_bytes_) + ")");
    // With no pointer to follow, checking the line is enough: accept() builds no document.
    if (!payload_ && !key_ && !priority_ && json::accept(line)) {
        it.payload.assign(line);
        return;
    }
    try {
        fill_from(json::parse(line), line, it);
    } catch (const json::parse_error& e) {
        fail(it, line, "invalid JSON at byte " + std::to_string(e.byte) + ": " + parse_reason(e));
    }
}

void jsonl_source::fill_from(const json& doc, std::string_view line, engine::item& it) const {
    const json* value = payload_ ? find(doc, *payload_) : &doc;
    if (value == nullptr)
        return fail(it, line, "no value at payload pointer " + payload_->to_string());
    if (payload_)
        it.payload.assign(text_of(*value));
    else
        it.payload.assign(line);
    if (key_) {
        const json* k = find(doc, *key_);
        if (k == nullptr) return fail(it, line, "no value at key pointer " + key_->to_string());
        it.set_key(text_of(*k));
    }
    if (!priority_) return;
    const json* p = find(doc, *priority_);
    std::optional<int32_t> prio = p ? as_priority(*p) : std::nullopt;
    if (!prio)
        return fail(it, line, "no 32-bit integer at priority pointer " + priority_->to_string());
    it.priority = *prio;
}

void jsonl_source::fail(engine::item& it, std::string_view line, const std::string& why) const {
    it.payload.assign(line);
    it.fail(0, "line " + std::to_string(reader_.line_number()) + ": " + why);
}

const std::vector<engine::field_schema>& jsonl_source_schema() {
    static const std::vector<engine::field_schema> fields = {
        {"path", WPRUN_TYPE_STRING, std::nullopt, true,
         "file of JSON lines, one item per non-empty line (\"-\" = standard input; relative to "
         "the pipeline's folder)"},
        {"payload", WPRUN_TYPE_STRING, "", false,
         "JSON Pointer to the payload (e.g. /text): a string gives its text, other values their "
         "compact JSON; empty = the whole line as written"},
        {"key", WPRUN_TYPE_STRING, std::nullopt, false,
         "JSON Pointer to the item's key (e.g. /id); optional"},
        {"priority", WPRUN_TYPE_STRING, std::nullopt, false,
         "JSON Pointer to the item's priority, an integer (e.g. /priority); optional"},
    };
    return fields;
}

void check_jsonl_pointers(const engine::io_spec& spec) {
    for (std::string_view name : {"payload", "key", "priority"}) check_pointer(spec, name);
}

std::unique_ptr<engine::source> make_jsonl_source(const engine::io_spec& spec,
                                                  const std::filesystem::path& base_dir) {
    check_jsonl_pointers(spec);
    jsonl_source_options opts{spec.opts.get_string("payload"), option_value(spec, "key"),
                              option_value(spec, "priority"), spec.max_item_bytes};
    return std::make_unique<jsonl_source>(open_input(spec, "path", base_dir), opts);
}

}  // namespace wprun::io
