#include "io/null_sink.h"

#include "io/opening.h"

namespace wprun::io {

const std::vector<engine::field_schema>& null_sink_schema() {
    static const std::vector<engine::field_schema> fields = with_sink_fields({});
    return fields;
}

const std::vector<engine::field_schema>& null_error_sink_schema() {
    static const std::vector<engine::field_schema> fields;
    return fields;
}

std::unique_ptr<engine::sink> make_null_sink(const engine::io_spec& /*spec*/,
                                             const std::filesystem::path& /*base_dir*/) {
    return std::make_unique<null_sink>();
}

std::unique_ptr<engine::error_sink> make_null_error_sink(
    const engine::io_spec& /*spec*/, const std::filesystem::path& /*base_dir*/) {
    return std::make_unique<null_error_sink>();
}

}  // namespace wprun::io
