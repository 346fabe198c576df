// validate_json: `wprun validate --format json` — every file's errors and warnings as one JSON
// document on stdout, for editors and CI:
//     {"schema": "wprun.validate/1", "ok": false, "errors": 1, "warnings": 0,
//      "files": [{"file": "a.yaml", "ok": false, "stages": null}],
//      "problems": [{"file": "a.yaml", "line": 5, "column": 14, "severity": "error",
//                    "code": null, "message": "..."}]}
// `line`/`column` are 1-based, null when unknown; `code` names the lint check of a warning
// (cli/lint.h), null when the problem has none. docs/validate.md describes the schema.
// Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "detail/error.h"

namespace wprun::cli {

/// One file `validate` checked.
struct validated_file {
    std::string file;
    std::optional<size_t> stages;  ///< set when the file has no errors
    diagnostics problems;          ///< its errors and warnings, in order
};

/// The JSON document (pretty-printed, ending in a newline).
std::string validate_json(const std::vector<validated_file>& files);

}  // namespace wprun::cli
