#include "io/lines_sink.h"

#include "io/opening.h"

namespace wprun::io {

const std::vector<engine::field_schema>& lines_sink_schema() {
    static const std::vector<engine::field_schema> fields = with_sink_fields({
        {"path", WPRUN_TYPE_STRING, std::nullopt, true,
         "file to write, one payload per line (\"-\" = standard output; relative to the "
         "pipeline's folder)"},
        {"append", WPRUN_TYPE_BOOL, "false", false, "add to the file instead of replacing it"},
    });
    return fields;
}

std::unique_ptr<engine::sink> make_lines_sink(const engine::io_spec& spec,
                                              const std::filesystem::path& base_dir) {
    bool append = spec.opts.get_bool("append");
    return std::make_unique<lines_sink>(
        open_output(spec, "path", base_dir, append, output_file::standard_output));
}

}  // namespace wprun::io
