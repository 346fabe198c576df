#include "cli/validate_json.h"

#include <nlohmann/json.hpp>

namespace wprun::cli {
namespace {

using json = nlohmann::ordered_json;

json nullable(int n) { return n > 0 ? json(n) : json(); }

json problem_json(const diagnostic& d, const std::string& file) {
    json p;
    p["file"] = d.where.file.empty() ? file : d.where.file;
    p["line"] = nullable(d.where.line);
    p["column"] = nullable(d.where.column);
    p["severity"] = d.level == severity::error ? "error" : "warning";
    p["code"] = d.code.empty() ? json() : json(d.code);
    p["message"] = d.message;
    return p;
}

}  // namespace

std::string validate_json(const std::vector<validated_file>& files) {
    json list = json::array(), problems = json::array();
    size_t errors = 0, warnings = 0;
    for (const validated_file& f : files) {
        list.push_back({{"file", f.file},
                        {"ok", !f.problems.has_errors()},
                        {"stages", f.stages ? json(*f.stages) : json()}});
        for (const diagnostic& d : f.problems.items()) {
            (d.level == severity::error ? errors : warnings) += 1;
            problems.push_back(problem_json(d, f.file));
        }
    }
    json doc;
    doc["schema"] = "wprun.validate/1";
    doc["ok"] = errors == 0;
    doc["errors"] = errors;
    doc["warnings"] = warnings;
    doc["files"] = std::move(list);
    doc["problems"] = std::move(problems);
    return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace wprun::cli
