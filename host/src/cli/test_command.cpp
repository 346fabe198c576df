// `wprun test`: runs every pipeline that has an `expect:` block with its output redirected to a
// temporary folder, then checks the outcome against the expectation.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "cli/commands.h"
#include "cli/execute.h"
#include "cli/expectations.h"
#include "cli/prepare.h"
#include "engine/host_api.h"
#include "plugin/registry.h"

namespace wprun::cli {
namespace fs = std::filesystem;
namespace {

bool is_pipeline_file(const fs::path& p) {
    return p.extension() == ".yaml" || p.extension() == ".yml";
}

std::vector<fs::path> pipeline_files(const std::vector<std::string>& paths) {
    std::vector<fs::path> out;
    for (const std::string& p : paths) {
        if (!fs::is_directory(p)) {
            out.emplace_back(p);
            continue;
        }
        for (const auto& e : fs::recursive_directory_iterator(p))
            if (e.is_regular_file() && is_pipeline_file(e.path())) out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

/// A fresh folder under the system's temporary folder, removed when the test is done.
class scratch {
public:
    scratch() {
        std::string tmpl = (fs::temp_directory_path() / "wprun-test-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr)
            throw startup_error(exit_code::usage, location{}, "cannot create a temporary folder");
        path_ = tmpl;
    }
    ~scratch() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

/// Points the sink and the error output into `dir`; returns where the output will be.
fs::path redirect(engine::pipeline_spec& spec, const fs::path& dir) {
    fs::path output = dir / "output";
    if (spec.sink.type == "files")
        spec.sink.opts.set("dir", output.string());
    else if (spec.sink.type != "null")
        spec.sink.opts.set("path", output.string());
    spec.errors.type = "jsonl";
    spec.errors.opts = {};
    spec.errors.opts.set("path", (dir / "errors.jsonl").string());
    return output;
}

struct verdict {
    bool skipped = false;
    std::string skip_reason;  ///< why it was skipped
    std::string name;
    std::vector<std::string> problems;
    uint64_t stuck = 0;  ///< threads left stuck in a plugin call (then quick_exit at the end)
};

verdict test_one(const fs::path& file, plugin::registry& registry, const common_options& opts) {
    prepared_pipeline p = prepare_pipeline(file.string(), opts.overrides, registry);
    verdict v{!p.spec.expect.has_value(), "no expect block", p.spec.name, {}, 0};
    if (v.skipped) return v;
    for (const std::string& name : p.spec.expect->needs_env)
        if (std::getenv(name.c_str()) == nullptr) {
            v.skipped = true;
            v.skip_reason = "needs_env: " + name + " is not set";
            return v;
        }
    scratch dir;
    fs::path output = redirect(p.spec, dir.path());
    run_outcome outcome = execute(p, run_settings{opts.interrupts, opts.first_signal});
    v.problems = check_expectations(*p.spec.expect, p.spec.base_dir, outcome.report, outcome.code,
                                    output, dir.path() / "errors.jsonl");
    v.stuck = stuck_at_exit(outcome.report);
    return v;
}

verdict guarded_test(const fs::path& file, plugin::registry& registry, const common_options& opts) {
    try {
        return test_one(file, registry, opts);
    } catch (const startup_error& e) {
        verdict v{false, "", file.stem().string(), {}, 0};
        for (const auto& d : e.problems().items()) v.problems.push_back(d.str());
        return v;
    }
}

}  // namespace

int test_command(const std::vector<std::string>& paths, const common_options& opts) {
    plugin::registry registry(engine::host_api());
    use_plugin_path(registry, opts.plugin_paths);
    int passed = 0, failed = 0, skipped = 0;
    uint64_t stuck = 0;
    for (const fs::path& file : pipeline_files(paths)) {
        auto start = std::chrono::steady_clock::now();
        verdict v = guarded_test(file, registry, opts);
        stuck += v.stuck;
        double secs =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (v.skipped) {
            ++skipped;
            if (!opts.quiet)
                fmt::print("SKIP  {} ({}: {})\n", v.name, file.string(), v.skip_reason);
            continue;
        }
        (v.problems.empty() ? passed : failed) += 1;
        fmt::print("{}  {} ({}, {:.2f}s)\n", v.problems.empty() ? "PASS" : "FAIL", v.name,
                   file.string(), secs);
        for (const auto& problem : v.problems) fmt::print("      {}\n", problem);
    }
    fmt::print("{} passed, {} failed{}\n", passed, failed,
               skipped ? fmt::format(", {} skipped", skipped) : "");
    end_if_stuck(stuck, failed == 0 ? 0 : 1);
    return failed == 0 ? 0 : 1;
}

}  // namespace wprun::cli
