#include "cli/replay.h"

#include <fmt/format.h>

#include <filesystem>
#include <map>

#include "cli/execute.h"
#include "cli/prepare.h"
#include "cli/report.h"
#include "engine/host_api.h"
#include "io/factory.h"
#include "io/journal.h"
#include "io/replay_source.h"

namespace wprun::cli {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void refuse(const std::string& message) {
    throw startup_error(exit_code::usage, location{}, message);
}

std::vector<io::failed_record> read_records(const std::string& errors_file) {
    try {
        return io::read_failed_records(errors_file);
    } catch (const std::runtime_error& e) {
        refuse(std::string("--retry-failed: ") + e.what());
    }
}

/// Records by the index of the stage that failed them; source failures are counted aside.
std::map<size_t, std::vector<io::failed_record>> by_stage(std::vector<io::failed_record> records,
                                                          const prepared_pipeline& p,
                                                          uint64_t& from_source) {
    std::map<size_t, std::vector<io::failed_record>> out;
    for (auto& r : records) {
        if (r.stage == "source") {
            ++from_source;
            continue;
        }
        size_t i = 0;
        while (i < p.stages.size() && p.stages[i].name != r.stage) ++i;
        if (i == p.stages.size())
            refuse(
                fmt::format("--retry-failed: record {} (seq {}) was failed by stage '{}', which "
                            "pipeline '{}' does not have",
                            r.line, r.seq, r.stage, p.spec.name));
        out[i].push_back(std::move(r));
    }
    return out;
}

/// When the error output is the file being replayed, moves that file aside first.
void keep_replayed_file(const prepared_pipeline& p, const std::string& errors_file) {
    fs::path target = io::output_target(p.spec.errors, p.spec.base_dir);
    std::error_code ec;
    if (target.empty() || !fs::equivalent(target, errors_file, ec)) return;
    fs::path aside = errors_file + ".retried";
    fs::rename(errors_file, aside, ec);
    if (ec) refuse("--retry-failed: cannot move '" + errors_file + "' aside: " + ec.message());
    fmt::print(stderr, "wprun: the error output is the file being retried: moved it to '{}'\n",
               aside.string());
}

exit_code run_group(const prepared_pipeline& p,
                    size_t first_stage,
                    std::vector<io::failed_record> records,
                    bool first_group,
                    const common_options& opts) {
    fs::path base = p.spec.base_dir;
    engine::io_spec sink_spec = p.spec.sink, errors_spec = p.spec.errors;
    sink_spec.resume = true;  // append: the first run wrote the rest
    errors_spec.resume = !first_group;
    io::replay_source source(std::move(records));
    auto sink = io::make_sink(sink_spec, base);
    auto errors = io::make_error_sink(errors_spec, base);
    std::vector<engine::stage_config> stages(p.stages.begin() + static_cast<long>(first_stage),
                                             p.stages.end());
    engine::pipeline pipeline(std::move(stages));
    run_settings settings{opts.interrupts, opts.first_signal, opts.tick, {}, {}};
    engine::run_report report = pipeline.run(source, *sink, *errors, options_for(p.spec, settings));
    exit_code code = exit_code_for(report, opts.first_signal ? opts.first_signal->load() : 0);
    if (!opts.quiet || code != exit_code::ok)
        print_report(
            stderr,
            fmt::format("{} (retry from stage '{}')", p.spec.name, p.stages[first_stage].name),
            report);
    return code;
}

}  // namespace

int retry_failed_command(const std::string& file,
                         const std::string& errors_file,
                         const common_options& opts) {
    plugin::registry registry(engine::host_api());
    use_plugin_path(registry, opts.plugin_paths);
    prepared_pipeline p = prepare_pipeline(file, opts.overrides, registry);
    if (!opts.quiet) print_diagnostics(p.warnings);
    uint64_t from_source = 0;
    auto groups = by_stage(read_records(errors_file), p, from_source);
    keep_replayed_file(p, errors_file);
    int worst = 0;
    bool first = true;
    for (auto& [stage, records] : groups) {
        worst =
            std::max(worst, static_cast<int>(run_group(p, stage, std::move(records), first, opts)));
        first = false;
        if (opts.interrupts && opts.interrupts->load() > 0) break;
    }
    if (from_source > 0) {
        fmt::print(stderr,
                   "wprun: {} record(s) were failed by the source (unreadable input) and cannot "
                   "be run again; fix the input and run those lines anew\n",
                   from_source);
        worst = std::max(worst, static_cast<int>(exit_code::items_failed));
    }
    if (groups.empty() && !opts.quiet)
        fmt::print(stderr, "wprun: '{}' holds no failed items to retry\n", errors_file);
    return worst;
}

}  // namespace wprun::cli
