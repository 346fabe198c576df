#include "io/jsonl_sink.h"

#include "io/json_text.h"
#include "io/opening.h"

namespace wprun::io {

void jsonl_sink::write(const engine::item& it) {
    if (it.kind != engine::item_kind::data) return;
    out_.write("{\"seq\":");
    write_json_uint(out_, it.seq);
    if (!it.key().empty()) {
        out_.write(",\"key\":");
        write_json_string(out_, it.key());
    }
    out_.write(",\"payload\":");
    write_json_string(out_, it.payload.view());
    out_.write("}\n");
}

const std::vector<engine::field_schema>& jsonl_sink_schema() {
    static const std::vector<engine::field_schema> fields = with_sink_fields({
        {"path", WPRUN_TYPE_STRING, std::nullopt, true,
         "file to write, one {\"seq\",\"key\",\"payload\"} object per line (\"-\" = standard "
         "output; relative to the pipeline's folder)"},
        {"append", WPRUN_TYPE_BOOL, "false", false, "add to the file instead of replacing it"},
    });
    return fields;
}

std::unique_ptr<engine::sink> make_jsonl_sink(const engine::io_spec& spec,
                                              const std::filesystem::path& base_dir) {
    return std::make_unique<jsonl_sink>(open_output(
        spec, "path", base_dir, spec.opts.get_bool("append"), output_file::standard_output));
}

}  // namespace wprun::io
