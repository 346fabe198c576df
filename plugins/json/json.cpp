// json: reshapes or filters JSON-lines items — `filter` by conditions on fields, `project` to a
// subset of fields, `set` fields, `get` one value — all by JSON Pointer (RFC 6901). The steps
// run in that order, each on the previous one's result, with one simdjson parse per item (plus
// one per reshaping step that a later step reads). Malformed JSON is a REJECT that says the byte
// offset of the error.
//
// Thread-safety: the instance is read-only after create; each worker owns its parser and buffers.
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <wprun/plugin.hpp>

#include "json_doc.h"
#include "json_edit.h"
#include "json_filter.h"

namespace {

using json_plugin::json_doc;
using json_plugin::json_edit;
using json_plugin::json_filter;
using json_plugin::syntax_error;
using wprun::config_error;
using wprun::emitter;
using wprun::field;
using wprun::job;
using wprun::result;

enum class when_missing { reject, filter, empty };

template <class T, class... Args>
std::optional<T> optional_option(const wprun::config& cfg, const char* name, Args... args) {
    if (!cfg.has(name)) return std::nullopt;
    try {
        return T(args..., cfg.get_string(name));
    } catch (const syntax_error& e) {
        throw config_error(e.message);
    }
}

class json {
public:
    static constexpr const char* name = "json";
    static constexpr const char* description =
        "Filters, projects, sets and gets fields of JSON-lines items by JSON Pointer.";

    static std::vector<field> schema() {
        return {
            {"filter", WPRUN_TYPE_STRING, nullptr, false,
             "keep items whose fields match, e.g. '/age >= 18 and /name ~ \"^a\"' (==, !=, <, "
             "<=, >, >=, ~ regex, exists, missing)"},
            {"project", WPRUN_TYPE_STRING, nullptr, false,
             "keep only these fields: JSON Pointers separated by commas, e.g. '/id, /user/name'"},
            {"set", WPRUN_TYPE_STRING, nullptr, false,
             "set fields to JSON values: '/status=\"seen\", /n=1' (creates missing objects)"},
            {"get", WPRUN_TYPE_STRING, nullptr, false,
             "emit only the value at this JSON Pointer: a string's text, other values as JSON"},
            {"missing", WPRUN_TYPE_STRING, "reject", false,
             "when 'get' finds nothing: reject (error output), filter (drop) or empty (emit '')"},
        };
    }

    explicit json(const wprun::config& cfg)
        : filter_(optional_option<json_filter>(cfg, "filter")),
          project_(optional_option<json_edit>(cfg, "project", json_edit::mode::project)),
          set_(optional_option<json_edit>(cfg, "set", json_edit::mode::set)),
          get_(cfg.has("get") ? std::optional<std::string>(cfg.get_string("get")) : std::nullopt),
          missing_(parse_missing(cfg.get_string("missing", "reject"))) {
        if (get_) {
            try {
                json_plugin::pointer_segments(*get_, "json: 'get'");
            } catch (const syntax_error& e) {
                throw config_error(e.message);
            }
        }
    }

    struct worker {
        json_doc doc;
        std::string text;  ///< the document after project/set
        std::string next;  ///< the step being written
    };

    result process(worker& w, const job& j, emitter& out) const {
        std::string why;
        if (!w.doc.parse(j.payload, why)) return wprun::reject("json: " + why);
        if (filter_ && !filter_->matches(w.doc.root())) return wprun::ok();  // filtered
        bool changed = false;
        for (const std::optional<json_edit>* step : {&project_, &set_}) {
            if (!*step) continue;
            if (changed && !w.doc.parse(w.text, why)) return wprun::fatal("json: " + why);
            w.next.clear();
            if (!(*step)->write(w.doc.root(), w.next, why)) return wprun::reject(why);
            w.text.swap(w.next);
            changed = true;
        }
        if (!get_) {
            out.emit(changed ? std::string_view(w.text) : j.payload);
            return wprun::ok();
        }
        if (changed && !w.doc.parse(w.text, why)) return wprun::fatal("json: " + why);
        return emit_get(w, out);
    }

private:
    static when_missing parse_missing(const std::string& v) {
        if (v == "reject") return when_missing::reject;
        if (v == "filter") return when_missing::filter;
        if (v == "empty") return when_missing::empty;
        throw config_error("json: unknown missing '" + v + "' (valid: reject, filter, empty)");
    }

    result emit_get(worker& w, emitter& out) const {
        auto found = w.doc.root().at_pointer(*get_);
        if (found.error() != simdjson::SUCCESS) {
            if (missing_ == when_missing::reject)
                return wprun::reject("json: no value at " + *get_);
            if (missing_ == when_missing::empty) out.emit({});
            return wprun::ok();
        }
        w.next.clear();
        json_plugin::append_text(w.next, found.value_unsafe());
        out.emit(w.next);
        return wprun::ok();
    }

    std::optional<json_filter> filter_;
    std::optional<json_edit> project_;
    std::optional<json_edit> set_;
    std::optional<std::string> get_;
    when_missing missing_;
};

}  // namespace

WPRUN_PLUGIN("json", "1.0.0", json)
