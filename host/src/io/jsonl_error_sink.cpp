#include "io/jsonl_error_sink.h"

#include "io/json_text.h"
#include "io/opening.h"

namespace wprun::io {

void jsonl_error_sink::write(const engine::failure& f) {
    out_.write("{\"seq\":");
    write_json_uint(out_, f.it.seq);
    out_.write(",\"stage\":");
    write_json_string(out_, f.stage);
    out_.write(",\"attempt\":");
    write_json_uint(out_, f.it.attempt);
    out_.write(",\"error\":");
    write_json_string(out_, f.message);
    out_.write(",\"payload\":");
    write_json_string(out_, f.it.payload.view());
    if (!f.it.key().empty()) {
        out_.write(",\"key\":");
        write_json_string(out_, f.it.key());
    }
    out_.write("}\n");
}

const std::vector<engine::field_schema>& jsonl_error_sink_schema() {
    static const std::vector<engine::field_schema> fields = {
        {"path", WPRUN_TYPE_STRING, std::nullopt, true,
         "file to write, one {\"seq\",\"stage\",\"attempt\",\"error\",\"payload\",\"key\"} "
         "object per failed item (\"-\" = standard error; relative to the pipeline's folder)"},
        {"append", WPRUN_TYPE_BOOL, "false", false, "add to the file instead of replacing it"},
    };
    return fields;
}

std::unique_ptr<engine::error_sink> make_jsonl_error_sink(const engine::io_spec& spec,
                                                          const std::filesystem::path& base_dir) {
    return std::make_unique<jsonl_error_sink>(open_output(
        spec, "path", base_dir, spec.opts.get_bool("append"), output_file::standard_error));
}

}  // namespace wprun::io
