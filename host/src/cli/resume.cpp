#include "cli/resume.h"

#include <fmt/format.h>

#include <algorithm>

namespace wprun::cli {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void refuse(const std::string& message) {
    throw startup_error(exit_code::usage, location{}, message);
}

void add_options(std::string& text, const engine::options& opts) {
    std::vector<std::pair<std::string, std::string>> sorted;
    for (const auto& o : opts.items) sorted.emplace_back(o.name, o.value);
    std::sort(sorted.begin(), sorted.end());
    for (const auto& [k, v] : sorted) text += fmt::format("{}={};", k, v);
}

void add_io(std::string& text, const char* what, const engine::io_spec& io) {
    text += fmt::format("{}:{}(", what, io.type);
    add_options(text, io.opts);
    text += ")\n";
}

void add_stage(std::string& text, const engine::stage_spec& s) {
    text += fmt::format("stage:{}:{}:{}(", s.name, s.processor, s.plugin_file);
    add_options(text, s.config);
    text += fmt::format(") timeout={} retry={} batch={} on_error={}/{}\n", s.timeout_ns,
                        s.retry ? s.retry->attempts : 0, s.batch ? s.batch->items : 0,
                        s.on_error.max_count, s.on_error.max_percent);
}

fs::path default_state_dir(const prepared_pipeline& p) {
    fs::path target = io::output_target(p.spec.sink, p.spec.base_dir);
    if (target.empty()) target = fs::path(p.spec.file);
    std::string name = target.string();
    while (name.size() > 1 && name.back() == '/') name.pop_back();
    return fs::path(name + ".wprun-state");
}

void check_resumable(const prepared_pipeline& p) {
    for (const auto& s : p.stages)
        if (s.def->flush != nullptr)
            refuse("--resume: stage '" + s.name + "' (processor '" + s.processor +
                   "') emits outputs at the end of the run (flush) from what it saw; a resumed "
                   "run would not see the items done before, so it cannot be resumed");
}

void check_state(const io::journal_state& st, const prepared_pipeline& p, const fs::path& dir) {
    std::string fingerprint = pipeline_fingerprint(p);
    if (st.fingerprint != fingerprint)
        refuse(
            fmt::format("--resume: the state in '{}' belongs to a different pipeline "
                        "(fingerprint {}, this pipeline's is {}); resume with the same "
                        "pipeline and --set values, or remove the folder to start again",
                        dir.string(), st.fingerprint, fingerprint));
    bool ordered = p.spec.sink.opts.get_bool("ordered");
    if (ordered && st.done.size() != st.done.prefix_end())
        refuse("--resume: the state in '" + dir.string() +
               "' is not that of an ordered run; remove the folder to start again");
}

}  // namespace

void run_logs::apply(engine::run_options& options) const {
    // The job log writes its lines before the journal commits them: after a crash every
    // committed item has its line, and the cut back on resume drops the others.
    if (joblog) options.logs.push_back(joblog.get());
    if (journal) options.logs.push_back(journal.get());
    if (previous) options.skip = &previous->done;
}

std::string pipeline_fingerprint(const prepared_pipeline& p) {
    std::string text = "wprun-pipeline 1\n";
    add_io(text, "source", p.spec.source);
    for (const auto& s : p.spec.stages) add_stage(text, s);
    add_io(text, "sink", p.spec.sink);
    add_io(text, "errors", p.spec.errors);
    text += fmt::format("max_item_bytes={}\n", p.spec.max_item_bytes);
    return io::journal_hash(text);
}

run_logs plan_logs(const prepared_pipeline& p, const log_settings& settings) {
    run_logs logs;
    logs.sink = p.spec.sink;
    logs.errors = p.spec.errors;
    if (!settings.resume) return logs;
    check_resumable(p);
    logs.state_dir =
        settings.state_dir.empty() ? default_state_dir(p) : fs::path(settings.state_dir);
    try {
        logs.previous = io::read_journal(logs.state_dir);
        if (!logs.previous) return logs;
        check_state(*logs.previous, p, logs.state_dir);
        logs.finished = logs.previous->finished;
        if (logs.finished) return logs;
        io::cut_back_output(logs.sink, p.spec.base_dir, logs.previous->sink_bytes);
        io::cut_back_output(logs.errors, p.spec.base_dir, logs.previous->errors_bytes);
    } catch (const std::runtime_error& e) {
        if (dynamic_cast<const startup_error*>(&e)) throw;
        refuse(std::string("--resume: ") + e.what());
    }
    return logs;
}

void start_logs(run_logs& logs,
                const prepared_pipeline& p,
                const log_settings& settings,
                engine::sink& out,
                engine::error_sink& errors) {
    try {
        if (settings.resume) {
            std::optional<uint64_t> sink_bytes = out.commit();
            if (!sink_bytes)
                refuse(
                    "--resume: the sink writes to standard output, which cannot be cut back "
                    "to a commit; write to a file (sink path) to make the run resumable");
            io::journal::cadence every;
            if (settings.commit_items > 0) every.every_items = settings.commit_items;
            if (logs.previous)
                logs.journal = io::journal::resume(logs.state_dir, *logs.previous, every);
            else
                logs.journal = io::journal::start(logs.state_dir, pipeline_fingerprint(p),
                                                  sink_bytes, errors.commit(), every);
        }
        if (!settings.joblog.empty()) {
            // With --resume the job log holds only what the journal committed (nothing when
            // the state is new), like the outputs.
            if (settings.resume)
                io::cut_back_joblog(settings.joblog,
                                    logs.previous ? logs.previous->done : engine::seq_set{});
            logs.joblog = io::joblog::open(settings.joblog);
        }
    } catch (const std::runtime_error& e) {
        if (dynamic_cast<const startup_error*>(&e)) throw;
        refuse(e.what());
    }
}

}  // namespace wprun::cli
