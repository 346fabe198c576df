// format: builds each output from a template with the item's payload, its attributes (seq, key,
// attempt, priority) and fields of a JSON payload, so a pipeline's output can be shaped for the
// next tool:
//
//     template: "{seq}\t{key}\t{json:/user/name}"
//
// The template is parsed once at create (item_template, shared with the http plugin); `{{` and
// `}}` are literal braces. The payload is parsed as JSON only when the template names a
// `{json:...}` field, with the json plugin's simdjson document (malformed JSON: REJECT with the
// position of the bad byte).
//
// Thread-safety: the instance is read-only after create; each worker owns its parser and buffer.
#include <string>
#include <vector>
#include <wprun/plugin.hpp>

#include "../json/json_doc.h"
#include "item_template.h"

namespace {

using wprun::config_error;
using wprun::emitter;
using wprun::field;
using wprun::job;
using wprun::result;

class format {
public:
    static constexpr const char* name = "format";
    static constexpr const char* description =
        "Builds each output from a template: {payload}, {seq}, {key}, {attempt}, {priority}, "
        "{json:/pointer}.";

    static std::vector<field> schema() {
        return {
            {"template", WPRUN_TYPE_STRING, nullptr, true,
             "the output, e.g. \"{seq}\\t{key}\\t{json:/name}\"; {{ and }} are literal braces"},
            {"missing", WPRUN_TYPE_STRING, "reject", false,
             "when a {json:...} field is absent: reject (error output) or empty (insert '')"},
        };
    }

    explicit format(const wprun::config& cfg)
        : template_(cfg.get_string("template"), "format: 'template'"),
          missing_empty_(missing_is_empty(cfg.get_string("missing", "reject"))) {}

    struct worker {
        json_plugin::json_doc doc;
        std::string out;
    };

    result process(worker& w, const job& j, emitter& out) const {
        std::string why;
        if (template_.needs_json() && !w.doc.parse(j.payload, why))
            return wprun::reject("format: " + why);
        w.out.clear();
        if (!template_.fill(w.out, j, w.doc.root(), false, missing_empty_, why))
            return wprun::reject("format: " + why);
        out.emit(w.out);
        return wprun::ok();
    }

private:
    static bool missing_is_empty(const std::string& v) {
        if (v == "reject" || v == "empty") return v == "empty";
        throw config_error("format: unknown missing '" + v + "' (valid: reject, empty)");
    }

    format_plugin::item_template template_;
    bool missing_empty_;
};

}  // namespace

WPRUN_PLUGIN("format", "1.0.0", format)
