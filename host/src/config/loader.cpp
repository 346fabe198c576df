#include "config/loader.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>

#include "config/fan_out.h"
#include "config/node.h"
#include "config/overrides.h"
#include "config/policies.h"
#include "config/suggest.h"
#include "config/units.h"

namespace wprun::config {
namespace {

namespace fs = std::filesystem;

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

template <typename T>
std::optional<T> parse_number(std::string_view text) {
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

bool is_stage_name(std::string_view name) {
    if (name.empty()) return false;
    for (char c : name) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == '-';
        if (!ok) return false;
    }
    return true;
}

/// Turns a parsed tree into a pipeline_spec, reporting every problem it finds (it goes on after
/// one, so that `wprun validate` can list them all).
class reader {
public:
    reader(load_result& out, std::string base_dir) : out_(out), base_dir_(std::move(base_dir)) {}

    void read_pipeline(const node& root) {
        if (!is_kind(root, node_kind::map, "the pipeline file")) return;
        check_keys(root, top_level_keys(), "the pipeline file");
        auto& spec = out_.spec;
        spec.name = fs::path(spec.file).stem().string();
        read_text_if(root, "name", "the pipeline's name", spec.name);
        read_text_if(root, "description", "the pipeline's description", spec.description);
        read_run_policies(root, spec, out_.diags);  // before the stages, which name limiters
        const std::string_view ctx = "the pipeline file";
        read_io(required(root, "source", ctx, "e.g. 'source: {type: lines, path: in.txt}'"),
                "source", spec.source);
        spec.source.max_item_bytes = spec.max_item_bytes;  // the source caps its items too
        read_stages(required(root, "stages", ctx, "a list of stages"));
        read_io(required(root, "sink", ctx, "e.g. 'sink: {type: lines, path: -}'"), "sink",
                spec.sink);
        read_errors(root.find("errors"));
        if (const node* expect = root.find("expect")) read_expect(*expect);
    }

private:
    // ---- generic checks ------------------------------------------------------------------

    void error(const location& where, std::string message) {
        out_.diags.error(where, std::move(message));
    }

    bool is_kind(const node& n, node_kind kind, std::string_view what) {
        if (n.kind == kind) return true;
        error(n.where, std::string(what) + " must be " + std::string(kind_name(kind)) + ", not " +
                           std::string(kind_name(n.kind)));
        return false;
    }

    void check_keys(const node& map, const std::vector<std::string>& valid, std::string_view ctx) {
        for (const auto& entry : map.children)
            if (std::find(valid.begin(), valid.end(), entry.key) == valid.end())
                error(entry.key_where, unknown_key_message(entry.key, ctx, valid));
    }

    /// The entry `key` of `map`, or nullptr after reporting it missing (at the map).
    const node* required(const node& map,
                         std::string_view key,
                         std::string_view ctx,
                         std::string_view hint) {
        if (const node* found = map.find(key)) return found;
        error(map.where, std::string(ctx) + ": missing required key " + in_quotes(key) + " (" +
                             std::string(hint) + ")");
        return nullptr;
    }

    std::optional<std::string> text(const node& n, std::string_view what) {
        if (!is_kind(n, node_kind::scalar, what)) return std::nullopt;
        return n.text;
    }

    void read_text_if(const node& map,
                      std::string_view key,
                      std::string_view what,
                      std::string& into) {
        if (const node* n = map.find(key))
            if (auto value = text(*n, what)) into = *value;
    }

    std::optional<int64_t> integer(const node& n,
                                   std::string_view what,
                                   int64_t lo,
                                   int64_t hi,
                                   std::string_view alternative = {}) {
        auto value = text(n, what);
        if (!value) return std::nullopt;
        auto number = parse_number<int64_t>(*value);
        if (number && *number >= lo && *number <= hi) return number;
        error(n.where, std::string(what) + " must be an integer from " + std::to_string(lo) +
                           " to " + std::to_string(hi) + std::string(alternative) + ", got " +
                           in_quotes(*value));
        return std::nullopt;
    }

    std::optional<bool> boolean(const node& n, std::string_view what) {
        auto value = text(n, what);
        if (!value) return std::nullopt;
        if (*value == "true" || *value == "false") return *value == "true";
        error(n.where, std::string(what) + " must be true or false, got " + in_quotes(*value));
        return std::nullopt;
    }

    /// Keeps a map's scalar values as raw options; checked later against a schema.
    void read_options(const node& map,
                      std::string_view ctx,
                      engine::options& into,
                      std::string_view skip = {}) {
        for (const auto& entry : map.children) {
            if (entry.key == skip) continue;
            std::string what = std::string(ctx) + " option " + in_quotes(entry.key);
            if (auto value = text(entry, what))
                into.items.push_back({entry.key, *value, entry.where, entry.key_where});
        }
    }

    // ---- source, sink, errors ------------------------------------------------------------

    void read_io(const node* n, std::string_view what, engine::io_spec& into) {
        if (!n || !is_kind(*n, node_kind::map, what)) return;
        into.where = n->where;
        const node* type = required(*n, "type", what, "e.g. 'type: lines'");
        if (type)
            if (auto value = text(*type, std::string(what) + " type")) into.type = *value;
        read_options(*n, into.type.empty() ? what : std::string(what) + " " + in_quotes(into.type),
                     into.opts, "type");
    }

    void read_errors(const node* n) {
        auto& errors = out_.spec.errors;
        if (n) return read_io(n, "errors", errors);
        // Failed items go to stderr as JSON lines unless the pipeline says otherwise.
        errors.type = "jsonl";
        errors.where = location{out_.spec.file};
        errors.opts.set("path", "-", errors.where);
    }

    // ---- stages --------------------------------------------------------------------------

    void read_stages(const node* n) {
        if (!n || !is_kind(*n, node_kind::sequence, "stages")) return;
        if (n->children.empty()) error(n->where, "stages must list at least one stage");
        for (size_t i = 0; i < n->children.size(); ++i) read_stage(n->children[i], i);
    }

    void read_stage(const node& n, size_t index) {
        std::string ctx = "stage #" + std::to_string(index + 1);
        if (!is_kind(n, node_kind::map, ctx)) return;
        engine::stage_spec stage;
        stage.where = n.where;
        stage.workers_where = stage.timeout_where = n.where;
        if (read_stage_name(n, ctx, stage.name)) ctx = "stage " + in_quotes(stage.name);
        check_keys(n, stage_keys(), ctx);
        // A fan-out stage's processor, plugin and config belong to its branches.
        if (!read_fan_out(n, ctx, base_dir_, stage, out_.diags)) read_one_processor(n, ctx, stage);
        if (const node* w = n.find("workers")) read_workers(*w, ctx, stage);
        if (const node* q = n.find("queue")) read_queue(*q, ctx, stage);
        if (const node* i = n.find("isolation")) read_isolation(*i, ctx, stage);
        read_stage_policies(n, ctx, out_.spec.limiters, stage, out_.diags);
        check_adaptive(stage, ctx);
        out_.spec.stages.push_back(std::move(stage));
    }

    /// `workers: adaptive` gates each popped batch; a `batch:` is not gated that way (yet).
    void check_adaptive(const engine::stage_spec& stage, const std::string& ctx) {
        if (stage.adaptive && stage.batch)
            error(stage.workers_where, ctx +
                                           ": workers: adaptive cannot be combined with batch: "
                                           "(use a fixed or dynamic worker count)");
    }

    void read_one_processor(const node& n, const std::string& ctx, engine::stage_spec& stage) {
        if (const node* p = required(n, "processor", ctx,
                                     "the processor to run, e.g. 'hash'; or 'broadcast' or "
                                     "'route' with branches"))
            read_processor(*p, ctx, stage);
        if (const node* p = n.find("plugin")) read_plugin(*p, ctx, stage);
        if (const node* c = n.find("config")) read_config(*c, ctx, stage);
    }

    bool read_stage_name(const node& stage, const std::string& ctx, std::string& into) {
        const node* n = required(stage, "name", ctx, "a unique name, e.g. 'name: hash'");
        auto value = n ? text(*n, ctx + " name") : std::nullopt;
        if (!value) return false;
        if (!is_stage_name(*value)) {
            error(n->where, ctx + ": name " + in_quotes(*value) +
                                " may only use letters, digits, '_', '.' and '-'");
            return false;
        }
        auto [first, inserted] = stage_names_.emplace(*value, n->where);
        if (!inserted)
            error(n->where, "duplicate stage name " + in_quotes(*value) + " (first at " +
                                first->second.str() + ")");
        into = *value;
        return true;
    }

    void read_processor(const node& n, const std::string& ctx, engine::stage_spec& stage) {
        stage.processor_where = n.where;
        auto value = text(n, ctx + " processor");
        if (value && value->empty()) error(n.where, ctx + ": processor must not be empty");
        if (value) stage.processor = *value;
    }

    /// Unlike other paths, a plugin is loaded by the host, so it is resolved here.
    void read_plugin(const node& n, const std::string& ctx, engine::stage_spec& stage) {
        auto value = text(n, ctx + " plugin");
        if (!value || value->empty()) return;
        fs::path path(*value);
        if (path.is_relative() && !base_dir_.empty()) path = fs::path(base_dir_) / path;
        stage.plugin_file = path.lexically_normal().string();
    }

    void read_workers(const node& n, const std::string& ctx, engine::stage_spec& stage) {
        stage.workers_where = n.where;
        if (n.is_scalar() && n.text == "auto") {
            stage.workers = 0;  // one per hardware thread, decided by the engine
            return;
        }
        if (n.is_scalar() && n.text == "adaptive")
            return config::read_adaptive_workers(nullptr, ctx, stage, out_.diags);
        if (n.is_map()) return config::read_worker_range(n, ctx, stage, out_.diags);
        auto value = integer(n, ctx + ": workers", 1, max_workers, ", 'auto' or 'adaptive'");
        if (value) stage.workers = static_cast<unsigned>(*value);
    }

    void read_queue(const node& n, const std::string& ctx, engine::stage_spec& stage) {
        if (n.is_scalar()) return read_queue_items(n, ctx, stage);
        if (!is_kind(n, node_kind::map, ctx + ": queue (an item count or {items, bytes})")) return;
        check_keys(n, queue_keys(), ctx + " queue");
        if (const node* items = n.find("items")) read_queue_items(*items, ctx, stage);
        if (const node* bytes = n.find("bytes")) read_queue_bytes(*bytes, ctx, stage);
    }

    void read_queue_items(const node& n, const std::string& ctx, engine::stage_spec& stage) {
        auto value = integer(n, ctx + ": queue items", 1, max_queue_items);
        if (value) stage.queue_items = static_cast<size_t>(*value);
    }

    void read_queue_bytes(const node& n, const std::string& ctx, engine::stage_spec& stage) {
        auto value = text(n, ctx + ": queue bytes");
        if (!value) return;
        auto bytes = parse_size(*value);
        if (bytes && *bytes > 0) {
            stage.queue_bytes = static_cast<size_t>(*bytes);
            return;
        }
        error(n.where, ctx + ": queue bytes must be a size above 0, e.g. 8MiB or 1000000, got " +
                           in_quotes(*value));
    }

    void read_config(const node& n, const std::string& ctx, engine::stage_spec& stage) {
        if (n.kind == node_kind::null) return;  // `config:` with nothing under it
        if (is_kind(n, node_kind::map, ctx + " config"))
            read_options(n, ctx + " config", stage.config);
    }

    void read_isolation(const node& n, const std::string& ctx, engine::stage_spec& stage) {
        static const std::vector<std::string> modes{"none", "process"};
        if (!is_kind(n, node_kind::scalar, ctx + " isolation")) return;
        stage.isolation_where = n.where;
        if (std::find(modes.begin(), modes.end(), n.text) == modes.end())
            return error(n.where,
                         ctx + ": isolation '" + n.text + "' is not one of " + join_names(modes));
        stage.isolation =
            n.text == "process" ? engine::isolation_mode::process : engine::isolation_mode::none;
    }

    // ---- expect --------------------------------------------------------------------------

    void read_expect(const node& n) {
        engine::expect_spec expect;
        expect.where = n.where;
        if (n.kind != node_kind::null && is_kind(n, node_kind::map, "expect")) {
            check_keys(n, expect_keys(), "expect");
            read_text_if(n, "output", "expect output", expect.output);
            read_text_if(n, "errors", "expect errors", expect.errors);
            if (const node* s = n.find("sorted"))
                expect.sorted = boolean(*s, "expect sorted").value_or(false);
            if (const node* k = n.find("key_order"))
                expect.key_order = boolean(*k, "expect key_order").value_or(false);
            if (const node* l = n.find("ledger")) read_ledger(*l, expect);
            if (const node* e = n.find("exit")) read_exit(*e, expect);
            if (const node* st = n.find("stopped")) read_stopped(*st, expect);
            if (const node* r = n.find("report")) read_report_checks(*r, expect);
            if (const node* e = n.find("needs_env")) read_needs_env(*e, expect);
        }
        out_.spec.expect = std::move(expect);
    }

    /// `needs_env: NAME` or `[NAME, ...]`: environment variables without which `wprun test`
    /// skips the pipeline.
    void read_needs_env(const node& n, engine::expect_spec& expect) {
        std::vector<const node*> names;
        if (n.is_scalar()) names.push_back(&n);
        if (n.kind == node_kind::sequence)
            for (const node& c : n.children) names.push_back(&c);
        if (names.empty())
            return error(n.where,
                         "expect needs_env: a variable name or a list of them, e.g. "
                         "'needs_env: [API_URL]'");
        for (const node* v : names) {
            if (!v->is_scalar() || v->text.empty())
                return error(v->where, "expect needs_env: each entry is a variable name");
            expect.needs_env.push_back(v->text);
        }
    }

    void read_stopped(const node& n, engine::expect_spec& expect) {
        static const std::vector<std::string> reasons{
            "none", "interrupted", "cancelled", "fatal", "deadline", "error", "error_limit"};
        if (!is_kind(n, node_kind::scalar, "expect stopped")) return;
        if (std::find(reasons.begin(), reasons.end(), n.text) == reasons.end())
            return error(n.where,
                         "expect stopped: '" + n.text + "' is not one of " + join_names(reasons));
        expect.stopped = n.text;
    }

    /// `report: {stage: NAME, ...}` or a list of them.
    void read_report_checks(const node& n, engine::expect_spec& expect) {
        if (n.kind == node_kind::sequence) {
            for (const node& c : n.children) read_report_check(c, expect);
            return;
        }
        read_report_check(n, expect);
    }

    void read_report_check(const node& n, engine::expect_spec& expect) {
        if (!is_kind(n, node_kind::map, "expect report")) return;
        check_keys(n, report_check_keys(), "expect report");
        engine::stage_expect check;
        check.where = n.where;
        if (const node* s = required(n, "stage", "expect report", "the stage to check"))
            read_report_stage(*s, check);
        if (const node* c = n.find("concurrency_between")) read_between(*c, check);
        if (const node* q = n.find("max_queue_depth"))
            check.max_queue_depth = ledger_count(*q, "max_queue_depth");
        if (const node* q = n.find("stuck_workers"))
            check.stuck_workers = ledger_count(*q, "stuck_workers");
        expect.report.push_back(std::move(check));
    }

    void read_report_stage(const node& n, engine::stage_expect& check) {
        auto name = text(n, "expect report stage");
        if (!name) return;
        if (!stage_names_.count(*name))
            error(n.where, "expect report: no stage named " + in_quotes(*name));
        check.stage = *name;
    }

    void read_between(const node& n, engine::stage_expect& check) {
        const char* what = "expect report concurrency_between";
        bool pair = n.kind == node_kind::sequence && n.children.size() == 2;
        if (!pair) return error(n.where, std::string(what) + " must be [LOW, HIGH], e.g. [6, 10]");
        auto lo = integer(n.children[0], what, 1, max_workers);
        auto hi = integer(n.children[1], what, 1, max_workers);
        if (lo && hi && *lo > *hi) error(n.where, std::string(what) + ": LOW is above HIGH");
        if (lo && hi) check.concurrency_between = {unsigned(*lo), unsigned(*hi)};
    }

    void read_exit(const node& n, engine::expect_spec& expect) {
        if (auto code = integer(n, "expect exit", 0, 255)) expect.exit = static_cast<int>(*code);
    }

    void read_ledger(const node& n, engine::expect_spec& expect) {
        if (!is_kind(n, node_kind::map, "expect ledger")) return;
        check_keys(n, ledger_keys(), "expect ledger");
        using field = std::optional<uint64_t> engine::expect_spec::*;
        const std::pair<const char*, field> fields[] = {
            {"read", &engine::expect_spec::read},
            {"written", &engine::expect_spec::written},
            {"filtered", &engine::expect_spec::filtered},
            {"failed", &engine::expect_spec::failed},
            {"cancelled", &engine::expect_spec::cancelled},
        };
        for (const auto& [name, member] : fields)
            if (const node* count = n.find(name)) expect.*member = ledger_count(*count, name);
    }

    std::optional<uint64_t> ledger_count(const node& n, std::string_view name) {
        std::string what = "expect ledger " + std::string(name);
        auto value = text(n, what);
        if (!value) return std::nullopt;
        if (auto count = parse_number<uint64_t>(*value)) return count;
        error(n.where, what + " must be a non-negative integer, got " + in_quotes(*value));
        return std::nullopt;
    }

    load_result& out_;
    std::string base_dir_;
    std::map<std::string, location> stage_names_;
};

/// Reads at most max_file_bytes; returns errno (0 on success). EFBIG when the file is larger.
int read_file(const std::string& file, std::string& into) {
    std::FILE* f = std::fopen(file.c_str(), "rb");
    if (!f) return errno;
    char buffer[65536];
    size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, f)) > 0 && into.size() <= max_file_bytes)
        into.append(buffer, got);
    int error = std::ferror(f) ? errno : 0;
    std::fclose(f);
    if (error == 0 && into.size() > max_file_bytes) error = EFBIG;
    return error;
}

std::string folder_of(const std::string& file) {
    std::error_code ec;
    fs::path absolute = fs::absolute(file, ec);
    if (ec) absolute = file;
    return absolute.parent_path().lexically_normal().string();
}

}  // namespace

load_result load_pipeline_text(std::string_view yaml,
                               const std::string& file_label,
                               const std::string& base_dir,
                               const std::vector<std::string>& overrides) {
    load_result out;
    out.spec.file = file_label;
    out.spec.base_dir = base_dir;
    std::optional<node> root = parse_yaml(yaml, file_label, out.diags);
    if (!root) return out;
    if (root->is_map()) apply_overrides(*root, overrides, out.diags);
    reader(out, base_dir).read_pipeline(*root);
    return out;
}

load_result load_pipeline(const std::string& file, const std::vector<std::string>& overrides) {
    std::string text;
    if (int error = read_file(file, text)) {
        load_result out;
        out.spec.file = file;
        std::string why = error == EFBIG ? "larger than " + format_size(max_file_bytes)
                                         : std::string(std::strerror(error));
        out.diags.error(location{file}, "cannot read the pipeline file '" + file + "': " + why);
        return out;
    }
    return load_pipeline_text(text, file, folder_of(file), overrides);
}

const std::vector<std::string>& top_level_keys() {
    static const std::vector<std::string> keys{
        "name",     "description", "source",         "stages", "sink",    "errors",
        "deadline", "limiters",    "max_item_bytes", "expect", "shutdown"};
    return keys;
}

const std::vector<std::string>& stage_keys() {
    static const std::vector<std::string> keys{
        "name",     "processor",  "broadcast", "route",      "plugin",          "workers",
        "queue",    "config",     "retry",     "rate_limit", "circuit_breaker", "timeout",
        "on_error", "max_errors", "batch",     "priority",   "balance",         "isolation"};
    return keys;
}

const std::vector<std::string>& queue_keys() {
    static const std::vector<std::string> keys{"items", "bytes"};
    return keys;
}

const std::vector<std::string>& expect_keys() {
    static const std::vector<std::string> keys{"output",  "sorted", "key_order",
                                               "errors",  "ledger", "exit",
                                               "stopped", "report", "needs_env"};
    return keys;
}

const std::vector<std::string>& report_check_keys() {
    static const std::vector<std::string> keys{"stage", "concurrency_between", "max_queue_depth",
                                               "stuck_workers"};
    return keys;
}

const std::vector<std::string>& ledger_keys() {
    static const std::vector<std::string> keys{"read", "written", "filtered", "failed",
                                               "cancelled"};
    return keys;
}

}  // namespace wprun::config
