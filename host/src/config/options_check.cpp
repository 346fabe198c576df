#include "config/options_check.h"

#include <charconv>
#include <cmath>

#include "config/suggest.h"
#include "config/units.h"

namespace wprun::config {
namespace {

template <typename T>
std::optional<T> parse_whole(std::string_view text) {
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::optional<std::string> canonical_int(std::string_view text) {
    // from_chars refuses a leading '+', which users write now and then.
    if (!text.empty() && text[0] == '+') text.remove_prefix(1);
    auto value = parse_whole<int64_t>(text);
    if (!value) return std::nullopt;
    return std::to_string(*value);
}

std::optional<std::string> canonical_float(std::string_view text) {
    if (!text.empty() && text[0] == '+') text.remove_prefix(1);
    auto value = parse_whole<double>(text);
    if (!value || !std::isfinite(*value)) return std::nullopt;
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, *value);
    return std::string(buffer, end);
}

std::optional<std::string> canonical_bool(std::string_view text) {
    if (text == "true" || text == "false") return std::string(text);
    return std::nullopt;
}

std::optional<std::string> canonical_duration(std::string_view text) {
    auto ns = parse_duration_ns(text);
    if (!ns) return std::nullopt;
    return std::to_string(*ns);
}

std::optional<std::string> canonical_size(std::string_view text) {
    auto bytes = parse_size(text);
    if (!bytes) return std::nullopt;
    return std::to_string(*bytes);
}

std::vector<std::string> field_names(const std::vector<engine::field_schema>& schema) {
    std::vector<std::string> names;
    for (const auto& f : schema) names.push_back(f.name);
    return names;
}

const engine::field_schema* find_field(const std::vector<engine::field_schema>& schema,
                                       std::string_view name) {
    for (const auto& f : schema)
        if (f.name == name) return &f;
    return nullptr;
}

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

void check_value(engine::option& opt,
                 const engine::field_schema& field,
                 std::string_view context,
                 diagnostics& diags) {
    if (auto canonical = canonical_value(field.type, opt.value)) {
        opt.value = std::move(*canonical);
        return;
    }
    diags.error(opt.where, std::string(context) + ": option " + in_quotes(opt.name) + " expects " +
                               describe_type(field.type) + ", got " + in_quotes(opt.value));
}

/// Adds the field's default (canonicalized: schemas write defaults in user form, e.g. "10ms").
void fill_default(engine::options& opts,
                  const engine::field_schema& field,
                  std::string_view context,
                  const location& owner,
                  diagnostics& diags) {
    auto canonical = canonical_value(field.type, *field.default_value);
    if (!canonical) {
        diags.error(owner, std::string(context) + ": the default " +
                               in_quotes(*field.default_value) + " of option " +
                               in_quotes(field.name) + " is not " + describe_type(field.type) +
                               " (a bug in whatever declared the option)");
        return;
    }
    opts.items.push_back({field.name, std::move(*canonical), owner, owner});
}

void check_missing(engine::options& opts,
                   const engine::field_schema& field,
                   std::string_view context,
                   const location& owner,
                   diagnostics& diags) {
    if (opts.has(field.name)) return;
    if (field.required) {
        std::string about = field.description.empty() ? "" : " (" + field.description + ")";
        diags.error(owner, std::string(context) + ": missing required option " +
                               in_quotes(field.name) + about + ", " + describe_type(field.type));
    } else if (field.default_value) {
        fill_default(opts, field, context, owner, diags);
    }
}

}  // namespace

std::optional<std::string> canonical_value(wprun_value_type type, std::string_view text) {
    switch (type) {
        case WPRUN_TYPE_STRING:
            return std::string(text);
        case WPRUN_TYPE_INT:
            return canonical_int(text);
        case WPRUN_TYPE_FLOAT:
            return canonical_float(text);
        case WPRUN_TYPE_BOOL:
            return canonical_bool(text);
        case WPRUN_TYPE_DURATION:
            return canonical_duration(text);
        case WPRUN_TYPE_SIZE:
            return canonical_size(text);
    }
    return std::nullopt;
}

std::string describe_type(wprun_value_type type) {
    switch (type) {
        case WPRUN_TYPE_STRING:
            return "a string";
        case WPRUN_TYPE_INT:
            return "an integer (e.g. 10)";
        case WPRUN_TYPE_FLOAT:
            return "a number (e.g. 0.5)";
        case WPRUN_TYPE_BOOL:
            return "true or false";
        case WPRUN_TYPE_DURATION:
            return "a duration with a unit: ns, us, ms, s, m or h (e.g. 250ms, 1.5s)";
        case WPRUN_TYPE_SIZE:
            return "a size in bytes, optionally with a unit: KiB, MiB, GiB, KB, MB or GB "
                   "(e.g. 64KiB)";
    }
    return "a value of an unknown type";
}

void check_options(engine::options& opts,
                   const std::vector<engine::field_schema>& schema,
                   std::string_view context,
                   const location& owner,
                   diagnostics& diags) {
    for (auto& opt : opts.items) {
        if (const auto* field = find_field(schema, opt.name))
            check_value(opt, *field, context, diags);
        else
            diags.error(opt.key_where, unknown_key_message(opt.name, context, field_names(schema)));
    }
    for (const auto& field : schema) check_missing(opts, field, context, owner, diags);
}

}  // namespace wprun::config
