#include "io/lines_source.h"

#include "io/opening.h"

namespace wprun::io {

size_t lines_source::read(engine::item* out, size_t max) {
    size_t n = 0;
    std::string_view line;
    while (n < max && reader_.next(line)) {
        engine::item& it = out[n++];
        it.payload.assign(line);
        if (key_) set_key(line, it);
        if (reader_.truncated())
            it.fail(0, "line " + std::to_string(reader_.line_number()) +
                           ": longer than max_item_bytes (" + engine::size_text(max_bytes_) + ")");
    }
    return n;
}

void lines_source::set_key(std::string_view line, engine::item& it) const {
    std::match_results<std::string_view::const_iterator> m;
    if (!std::regex_search(line.begin(), line.end(), m, *key_)) return it.set_key({});
    const auto& group = m.size() > 1 ? m[1] : m[0];
    it.set_key(line.substr(static_cast<size_t>(group.first - line.begin()),
                           static_cast<size_t>(group.length())));
}

const std::vector<engine::field_schema>& lines_source_schema() {
    static const std::vector<engine::field_schema> fields = {
        {"path", WPRUN_TYPE_STRING, std::nullopt, true,
         "file to read, one item per line (\"-\" = standard input; relative to the pipeline's "
         "folder)"},
        {"key", WPRUN_TYPE_STRING, std::nullopt, false,
         "regular expression (ECMAScript) whose first capture group (or whole match) is the "
         "item's key, e.g. '^(\\w+)'; optional"},
    };
    return fields;
}

std::optional<std::regex> lines_key(const engine::io_spec& spec) {
    const engine::option* o = spec.opts.find("key");
    if (o == nullptr) return std::nullopt;
    try {
        return std::regex(o->value, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
        throw_option_error(spec, "key",
                           "lines: `key` is not a regular expression (" + std::string(e.what()) +
                               "); e.g. '^(\\w+)' for the first word");
    }
}

std::unique_ptr<engine::source> make_lines_source(const engine::io_spec& spec,
                                                  const std::filesystem::path& base_dir) {
    std::optional<std::regex> key = lines_key(spec);
    return std::make_unique<lines_source>(open_input(spec, "path", base_dir), spec.max_item_bytes,
                                          std::move(key));
}

}  // namespace wprun::io
