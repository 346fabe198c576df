// `wprun run`: prepare, run with live progress and a timeline, print the report on stderr and
// write `--report FILE` (.json or .html).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>

#include "cli/commands.h"
#include "cli/execute.h"
#include "cli/metrics_server.h"
#include "cli/prepare.h"
#include "cli/progress.h"
#include "cli/replay.h"
#include "cli/report.h"
#include "cli/report_file.h"
#include "cli/shard.h"
#include "cli/timeline.h"
#include "engine/host_api.h"

namespace wprun::cli {
namespace {

/// What the command watches while the run goes: the progress line, the timeline and, with
/// --metrics-listen, the metrics board.
class run_watch {
public:
    run_watch(const std::string& name, int progress_setting, metrics_board* board) : board_(board) {
        bool terminal = ::isatty(::fileno(stderr)) == 1;
        if (progress_setting == 1 || (progress_setting < 0 && terminal))
            progress_.emplace(stderr, name, terminal);
    }
    void tick(const engine::run_report& r) {
        timeline_.record(r);
        if (progress_) progress_->update(r, r.wall_seconds);
        if (board_) board_->publish(r, false);
    }
    void finish(const engine::run_report& r) {
        timeline_.finish(r);
        if (progress_) progress_->finish();
        if (board_) board_->publish(r, true);
    }
    const timeline& points() const noexcept { return timeline_; }

private:
    std::optional<progress> progress_;
    timeline timeline_;
    metrics_board* board_;
};

/// The metrics endpoint of `--metrics-listen`: the board the run feeds and the server on it.
struct metrics_endpoint {
    metrics_board board;
    metrics_server server;

    metrics_endpoint(const prepared_pipeline& p, const listen_address& where)
        : board(p.spec.name, named_stages(p)), server(board, where) {}

    static engine::run_report named_stages(const prepared_pipeline& p) {
        engine::run_report r;
        for (const engine::stage_spec& s : p.spec.stages) {
            r.stages.emplace_back();
            r.stages.back().name = s.name;
            r.stages.back().processor = s.processor;
        }
        return r;
    }
};

std::optional<listen_address> metrics_address(const std::string& text) {
    if (text.empty()) return std::nullopt;
    if (auto where = parse_listen_address(text)) return where;
    throw startup_error(exit_code::usage, location{},
                        "--metrics-listen '" + text +
                            "': expected HOST:PORT, e.g. 127.0.0.1:9464 (port 0 picks a free one)");
}

std::unique_ptr<metrics_endpoint> start_metrics(const prepared_pipeline& p,
                                                const std::optional<listen_address>& where,
                                                bool quiet) {
    if (!where) return nullptr;
    auto endpoint = std::make_unique<metrics_endpoint>(p, *where);
    // With port 0 the URL is the only way to learn the port: printed even with -q.
    if (!quiet || where->port == 0)
        fmt::print(stderr, "wprun: metrics at {}/metrics\n", endpoint->server.url());
    return endpoint;
}

void check_report_name(const std::string& path) {
    if (path.empty() || report_format_of(path)) return;
    throw startup_error(exit_code::usage, location{},
                        "--report '" + path + "': the name must end in .json or .html");
}

run_record record_of(const prepared_pipeline& p, run_outcome&& o, const timeline& tl) {
    run_record r;
    r.name = p.spec.name;
    r.file = p.spec.file;
    r.source_type = p.spec.source.type;
    r.sink_type = p.spec.sink.type;
    r.errors_type = p.spec.errors.type;
    r.started = o.started;
    r.finished = o.finished;
    r.report = std::move(o.report);
    r.timeline = tl.points();
    r.timeline_interval = tl.interval();
    r.failures = std::move(o.failures);
    r.failures_seen = o.failures_seen;
    r.source_figures = std::move(o.source_figures);
    r.sink_figures = std::move(o.sink_figures);
    return r;
}

/// Writes the report file; a failure is reported and makes a clean run exit 1.
exit_code write_report(const std::string& path, const run_record& record, exit_code code) {
    try {
        write_report_file(path, record);
        return code;
    } catch (const std::exception& e) {
        fmt::print(stderr, "wprun: error: {}\n", e.what());
        return code == exit_code::ok ? exit_code::items_failed : code;
    }
}

/// The shard this copy runs (--shard, --shard-from-env); an ordered sink is refused, since its
/// window needs every seq.
engine::shard shard_of(const common_options& opts, const prepared_pipeline& p) {
    if (!opts.shard.empty() && opts.shard_from_env)
        throw startup_error(exit_code::usage, location{},
                            "--shard and --shard-from-env cannot be combined: give one");
    if (opts.shard_count > 0 && !opts.shard_from_env)
        throw startup_error(exit_code::usage, location{},
                            "--shard-count goes with --shard-from-env (--shard K/N names N)");
    engine::shard part;
    if (!opts.shard.empty()) part = parse_shard(opts.shard);
    if (opts.shard_from_env)
        part =
            shard_from_env([](const char* name) { return std::getenv(name); },
                           opts.shard_count > 0 ? std::optional(opts.shard_count) : std::nullopt);
    if (part.count > 1 && p.spec.sink.opts.get_bool("ordered"))
        throw startup_error(exit_code::usage, p.spec.sink.where,
                            "the sink is ordered, which a sharded run cannot be (each copy sees "
                            "only its part): drop `ordered` or run without --shard");
    return part;
}

}  // namespace

int run_command(const std::string& file, const common_options& opts) {
    if (!opts.retry_failed.empty() && (opts.resume || !opts.joblog.empty()))
        throw startup_error(exit_code::usage, location{},
                            "--retry-failed cannot be combined with --resume or --joblog");
    if (!opts.retry_failed.empty() && (!opts.shard.empty() || opts.shard_from_env))
        throw startup_error(exit_code::usage, location{},
                            "--retry-failed cannot be combined with --shard");
    if (!opts.retry_failed.empty()) return retry_failed_command(file, opts.retry_failed, opts);
    check_report_name(opts.report);
    std::optional<listen_address> where = metrics_address(opts.metrics_listen);
    plugin::registry registry(engine::host_api());
    use_plugin_path(registry, opts.plugin_paths);
    prepared_pipeline p = prepare_pipeline(file, opts.overrides, registry);
    if (!opts.quiet) print_diagnostics(p.warnings);
    engine::shard part = shard_of(opts, p);
    std::unique_ptr<metrics_endpoint> metrics = start_metrics(p, where, opts.quiet);
    run_watch watch(p.spec.name, opts.progress, metrics ? &metrics->board : nullptr);
    run_settings settings{opts.interrupts,
                          opts.first_signal,
                          opts.tick,
                          [&watch](const engine::run_report& r) { watch.tick(r); },
                          {opts.joblog, opts.resume, opts.state_dir, opts.commit_items},
                          part};
    run_outcome outcome = execute(p, settings);
    if (outcome.nothing_to_resume) {
        fmt::print(stderr,
                   "wprun: the run recorded in the state folder had finished: nothing to resume "
                   "(remove the folder to run again)\n");
        return 0;
    }
    int interrupts_at_end = opts.interrupts ? opts.interrupts->load() : 0;  // for the linger
    watch.finish(outcome.report);
    exit_code code = outcome.code;
    if (!opts.quiet || code != exit_code::ok) {
        print_report(stderr, p.spec.name, outcome.report);
        if (!outcome.source_summary.empty())
            fmt::print(stderr, "wprun: {}\n", outcome.source_summary);
        if (!outcome.sink_summary.empty()) fmt::print(stderr, "wprun: {}\n", outcome.sink_summary);
    }
    uint64_t stuck = stuck_at_exit(outcome.report);
    if (!opts.report.empty())
        code = write_report(opts.report, record_of(p, std::move(outcome), watch.points()), code);
    if (metrics) linger(opts.metrics_linger, opts.interrupts, interrupts_at_end);
    end_if_stuck(stuck, static_cast<int>(code));
    return static_cast<int>(code);
}

}  // namespace wprun::cli
