#include "cli/execute.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "engine/pipeline.h"
#include "io/factory.h"

namespace wprun::cli {

engine::run_options options_for(const engine::pipeline_spec& spec, const run_settings& settings) {
    engine::run_options options;
    options.ordered = spec.sink.opts.get_bool("ordered");
    options.window = static_cast<size_t>(spec.sink.opts.get_int("window", 16384));
    options.interrupts = settings.interrupts;
    options.deadline = std::chrono::nanoseconds(spec.deadline_ns);
    options.grace = std::chrono::nanoseconds(spec.shutdown_grace_ns);
    options.max_item_bytes = spec.max_item_bytes;
    options.tick = settings.tick;
    options.on_tick = settings.on_tick;
    options.part = settings.part;
    return options;
}

namespace {

/// The per-branch counts of each fan-out stage (the engine's stage report does not know them).
void add_branch_counts(const prepared_pipeline& p, engine::run_report& report) {
    for (size_t i = 0; i < p.stages.size() && i < report.stages.size(); ++i)
        for (const auto& plan : p.fan_outs)
            if (plan->def() == p.stages[i].def) {
                report.stages[i].branches = plan->counts();
                report.stages[i].unrouted = plan->unrouted();
            }
}

/// A source that acknowledges its items to a shared queue (redis) shares the work itself: a
/// resume journal or a static shard would hold back items the queue hands out.
void check_queue_source(const engine::pipeline_spec& spec, const run_settings& settings) {
    if (settings.logs.resume)
        throw startup_error(exit_code::usage, spec.source.where,
                            "--resume: the '" + spec.source.type +
                                "' source acknowledges finished items to its queue, which "
                                "redelivers the others; run without --resume");
    if (settings.part.count > 1)
        throw startup_error(exit_code::usage, spec.source.where,
                            "--shard: the '" + spec.source.type +
                                "' source shares work through its consumer group; start more "
                                "copies without --shard");
}

}  // namespace

run_outcome execute(const prepared_pipeline& p, const run_settings& settings) {
    const engine::pipeline_spec& spec = p.spec;
    std::filesystem::path base = spec.base_dir;
    run_outcome out;
    run_logs logs = plan_logs(p, settings.logs);
    if (logs.finished) {
        out.nothing_to_resume = true;
        return out;
    }
    auto source = io::make_source(spec.source, base);
    auto sink = io::make_sink(logs.sink, base);
    auto errors = io::make_error_sink(logs.errors, base);
    failure_log failures(*errors);
    start_logs(logs, p, settings.logs, *sink, failures);
    engine::pipeline pipeline(p.stages);
    engine::run_options options = options_for(spec, settings);
    logs.apply(options);
    if (engine::item_log* acks = source->completion_log()) {
        check_queue_source(spec, settings);
        options.logs.push_back(acks);
    }
    out.started = std::chrono::system_clock::now();
    out.report = pipeline.run(*source, *sink, failures, options);
    add_branch_counts(p, out.report);
    out.finished = std::chrono::system_clock::now();
    out.code = exit_code_for(out.report, settings.first_signal ? settings.first_signal->load() : 0);
    out.failures = failures.kept();
    out.failures_seen = failures.seen();
    out.source_summary = source->summary();
    if (const auto* r = dynamic_cast<const io::reported*>(source.get()))
        out.source_figures = r->figures();
    if (const auto* r = dynamic_cast<const io::reported*>(sink.get())) {
        out.sink_summary = r->summary();
        out.sink_figures = r->figures();
    }
    return out;
}

uint64_t stuck_at_exit(const engine::run_report& report) {
    uint64_t n = 0;
    for (const auto& s : report.stages) n += s.stuck_at_exit;
    return n;
}

void end_if_stuck(uint64_t stuck, int code) {
    if (stuck == 0) return;
    std::fprintf(stderr,
                 "wprun: warning: %llu worker thread(s) still stuck in a plugin call; exiting "
                 "without waiting for them (outputs and reports are complete)\n",
                 static_cast<unsigned long long>(stuck));
    std::fflush(nullptr);
    std::quick_exit(code);
}

exit_code exit_code_for(const engine::run_report& report, int signal) {
    if (report.stopped == engine::stop_reason::interrupted)
        return signal == SIGTERM ? exit_code::terminated : exit_code::interrupted;
    const engine::ledger& l = report.totals;
    bool clean = l.balanced() && l.failed == 0 && l.cancelled == 0 && report.problems.empty() &&
                 report.stopped == engine::stop_reason::none;
    return clean ? exit_code::ok : exit_code::items_failed;
}

}  // namespace wprun::cli
