// env: `${VAR}`, `${VAR:-default}` and `$$` in pipeline values.
//
// Use `expand_env` on a scalar value read from a pipeline file. `${VAR}` is replaced by the
// variable's value (an error when it is not set), `${VAR:-default}` by the value or, when the
// variable is unset or empty, by `default` (as in the shell), and `$$` by one `$`; any other
// `$` is kept. Thread-safe when `lookup` is (the default reads the process environment, which
// must not change meanwhile).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace wprun::config {

/// Looks a variable up; nullopt when it is not set.
using env_lookup = std::function<std::optional<std::string>(std::string_view)>;

/// Reads the process environment (getenv).
std::optional<std::string> process_env(std::string_view name);

/// The expanded text, or an error message (e.g. "environment variable 'HOME2' is not set").
struct env_result {
    std::string text;
    std::optional<std::string> error;
};

env_result expand_env(std::string_view text, const env_lookup& lookup = process_env);

}  // namespace wprun::config
