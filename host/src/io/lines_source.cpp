#include "io/lines_source.h"

#include "io/opening.h"

namespace wprun::io {

size_t lines_source::read(engine::item* out, size_t max) {
    size_t n = 0;
    std::string_view line;
    while (n < max && reader_.next(line)) {
        engine::item& it = out[n++];
        it.payload.assign(line);
        if (reader_.truncated())
            it.fail(0, "line " + std::to_string(reader_.line_number()) +
                           ": longer than max_item_bytes (" + engine::size_text(max_bytes_) + ")");
    }
    return n;
}

const std::vector<engine::field_schema>& lines_source_schema() {
    static const std::vector<engine::field_schema> fields = {
        {"path", WPRUN_TYPE_STRING, std::nullopt, true,
         "file to read, one item per line (\"-\" = standard input; relative to the pipeline's "
         "folder)"},
    };
    return fields;
}

std::unique_ptr<engine::source> make_lines_source(const engine::io_spec& spec,
                                                  const std::filesystem::path& base_dir) {
    return std::make_unique<lines_source>(open_input(spec, "path", base_dir), spec.max_item_bytes);
}

}  // namespace wprun::io
