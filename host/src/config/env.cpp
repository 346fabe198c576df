#include "config/env.h"

#include <cstdlib>

namespace wprun::config {
namespace {

bool is_name_char(char c, bool first) {
    bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    return alpha || (!first && c >= '0' && c <= '9');
}

bool is_name(std::string_view name) {
    if (name.empty()) return false;
    for (size_t i = 0; i < name.size(); ++i)
        if (!is_name_char(name[i], i == 0)) return false;
    return true;
}

/// The value of one `${...}` body ("VAR" or "VAR:-default"), or an error.
env_result substitute(std::string_view body, const env_lookup& lookup) {
    size_t sep = body.find(":-");
    std::string_view name = body.substr(0, sep);
    if (!is_name(name))
        return {{}, "'${" + std::string(body) + "}' is not a variable name (letters, digits, _)"};
    auto value = lookup(name);
    if (sep == std::string_view::npos) {
        if (!value) return {{}, "environment variable '" + std::string(name) + "' is not set"};
        return {*value, std::nullopt};
    }
    // As in the shell, ":-" also replaces an empty value.
    if (value && !value->empty()) return {*value, std::nullopt};
    return {std::string(body.substr(sep + 2)), std::nullopt};
}

}  // namespace

std::optional<std::string> process_env(std::string_view name) {
    const char* value = std::getenv(std::string(name).c_str());
    if (!value) return std::nullopt;
    return std::string(value);
}

env_result expand_env(std::string_view text, const env_lookup& lookup) {
    env_result out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '$' || i + 1 == text.size() || (text[i + 1] != '$' && text[i + 1] != '{')) {
            out.text += text[i];
        } else if (text[i + 1] == '$') {
            out.text += '$';
            ++i;
        } else {
            size_t close = text.find('}', i + 2);
            if (close == std::string_view::npos)
                return {{}, "'${' without a closing '}' (write '$$' for a literal '$')"};
            env_result part = substitute(text.substr(i + 2, close - i - 2), lookup);
            if (part.error) return part;
            out.text += part.text;
            i = close;
        }
    }
    return out;
}

}  // namespace wprun::config
