// startup_error, diagnostics: how start-up problems (YAML, validation, plugins, files) are told.
//
// Every problem found before a run starts carries where it is (file:line:column when it comes
// from a pipeline file) and a message that says what to do. Problems are collected in
// `diagnostics` so that `wprun validate` can print them all; `startup_error` carries them to
// `main`, which prints one line per problem and exits with the error's documented code.
// Not thread-safe (start-up is single-threaded).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace wprun {

/// Documented exit codes of the `wprun` command (README "Exit codes").
enum class exit_code : int {
    ok = 0,             ///< every item written or filtered
    items_failed = 1,   ///< some items failed (the error output has them) or the run was stopped
    usage = 2,          ///< bad command line or pipeline file
    plugin = 3,         ///< a plugin could not be loaded
    interrupted = 130,  ///< SIGINT
    terminated = 143,   ///< SIGTERM
};

/// A place in a pipeline file; line and column are 1-based, 0 when unknown.
struct location {
    std::string file;
    int line = 0;
    int column = 0;
    /// "file:line:column", "file" or "" depending on what is known.
    std::string str() const {
        if (file.empty()) return {};
        if (line == 0) return file;
        return file + ":" + std::to_string(line) + ":" + std::to_string(column);
    }
};

enum class severity { error, warning };

struct diagnostic {
    severity level;
    location where;
    std::string message;
    std::string code;  ///< a stable name of the check (lint warnings), "" when it has none
    /// "file:line:col: error: message" (the location part omitted when unknown).
    std::string str() const {
        std::string prefix = where.str();
        std::string kind = level == severity::error ? "error: " : "warning: ";
        return (prefix.empty() ? "" : prefix + ": ") + kind + message;
    }
};

class diagnostics {
public:
    void error(location where, std::string message) {
        items_.push_back({severity::error, std::move(where), std::move(message), {}});
    }
    /// `code`: the check's stable name, for `validate --format json` (e.g. "workers-above-cores").
    void warning(location where, std::string message, std::string code = {}) {
        items_.push_back(
            {severity::warning, std::move(where), std::move(message), std::move(code)});
    }
    bool has_errors() const {
        for (const auto& d : items_)
            if (d.level == severity::error) return true;
        return false;
    }
    const std::vector<diagnostic>& items() const { return items_; }
    void append(const diagnostics& other) {
        items_.insert(items_.end(), other.items_.begin(), other.items_.end());
    }

private:
    std::vector<diagnostic> items_;
};

/// A start-up failure: one or more diagnostics and the exit code `main` should use.
class startup_error : public std::runtime_error {
public:
    startup_error(exit_code code, diagnostics problems)
        : std::runtime_error(first_message(problems)),
          code_(code),
          problems_(std::move(problems)) {}
    startup_error(exit_code code, location where, std::string message)
        : startup_error(code, single(std::move(where), std::move(message))) {}

    exit_code code() const noexcept { return code_; }
    const diagnostics& problems() const noexcept { return problems_; }

private:
    static diagnostics single(location where, std::string message) {
        diagnostics d;
        d.error(std::move(where), std::move(message));
        return d;
    }
    static std::string first_message(const diagnostics& d) {
        for (const auto& x : d.items())
            if (x.level == severity::error) return x.str();
        return "error";
    }

    exit_code code_;
    diagnostics problems_;
};

}  // namespace wprun
