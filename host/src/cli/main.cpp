// wprun: the command line. Parses arguments (CLI11), installs the SIGINT/SIGTERM handlers, runs
// one subcommand, and turns a startup_error into one line per problem and its exit code.
#include <wprun/plugin_abi.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/help_text.h"
#include "cli/log_setup.h"
#include "config/units.h"

namespace {

std::atomic<int> interrupts{0};
std::atomic<int> first_signal{0};  // SIGINT or SIGTERM: decides 130 or 143
static_assert(std::atomic<int>::is_always_lock_free, "used from a signal handler");

extern "C" void on_signal(int sig) {
    int none = 0;
    first_signal.compare_exchange_strong(none, sig);
    // First signal: stop reading and drain. Second: cancel what is queued. Third: give up now.
    if (interrupts.fetch_add(1) + 1 >= 3) std::_Exit(128 + first_signal.load());
}

void install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

/// CLI11's formatter, plus each subcommand's examples (its footer) in `--help-all`, which is
/// what the man page is made from.
class formatter_with_examples : public CLI::Formatter {
public:
    std::string make_expanded(const CLI::App* sub) const override {
        std::string text = CLI::Formatter::make_expanded(sub);
        std::string footer = sub->get_footer();
        if (footer.empty()) return text;
        return text + "  " + CLI::detail::find_and_replace(footer, "\n", "\n  ") + "\n\n";
    }
};

/// `wprun FILE` means `wprun run FILE`: insert "run" before the first positional argument when
/// it is not a subcommand.
std::vector<std::string> with_default_command(int argc, char** argv) {
    static const std::set<std::string> commands{"run",     "validate", "graph",
                                                "plugins", "test",     "help"};
    static const std::set<std::string> takes_value{
        "--plugin-path",  "--set",    "--log-level",      "--report",
        "--tick",         "--format", "--metrics-listen", "--metrics-linger",
        "--log-format",   "--joblog", "--state-dir",      "--retry-failed",
        "--commit-items", "--shard",  "--shard-count"};
    std::vector<std::string> args(argv + 1, argv + argc);
    for (size_t i = 0; i < args.size(); ++i) {
        if (takes_value.count(args[i])) {
            ++i;
            continue;
        }
        if (args[i].empty() || args[i][0] == '-') continue;
        if (!commands.count(args[i])) args.insert(args.begin() + static_cast<long>(i), "run");
        break;
    }
    std::reverse(args.begin(), args.end());  // CLI11 parses a reversed vector
    return args;
}

/// `--progress` / `--no-progress`, `--report FILE` and the hidden `--tick` (tests).
void add_run_options(CLI::App& run, wprun::cli::common_options& opts) {
    run.add_flag_callback(
        "--progress", [&opts] { opts.progress = 1; },
        "Show live progress on stderr (default: when stderr is a terminal)");
    run.add_flag_callback(
        "--no-progress", [&opts] { opts.progress = 0; }, "Never show progress");
    run.add_option("--report", opts.report,
                   "Also write the end-of-run report to FILE.json or FILE.html");
    run.add_option_function<std::string>(
           "--tick",
           [&opts](const std::string& text) {
               auto ns = wprun::config::parse_duration_ns(text);
               if (!ns || *ns < 1'000'000) throw CLI::ValidationError("--tick", "at least 1ms");
               opts.tick = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::nanoseconds(*ns));
           })
        ->group("");  // hidden: how often progress and the report's timeline sample (tests)
    run.add_option("--joblog", opts.joblog,
                   "Append one tab-separated line per item (seq, stage, start, runtime, outcome, "
                   "attempts, message) to FILE; with --resume, cut back first to the items "
                   "the journal committed");
    run.add_flag("--resume", opts.resume,
                 "Keep resume state and continue an interrupted run (docs/reliability.md)");
    run.add_option("--state-dir", opts.state_dir,
                   "With --resume: the state folder (default: beside the output, "
                   "OUTPUT.wprun-state)");
    run.add_option("--commit-items", opts.commit_items)
        ->group("");  // hidden: commit every N items (tests)
    run.add_option("--retry-failed", opts.retry_failed,
                   "Run the items of an error output (jsonl) again, each from the stage that "
                   "failed it");
    run.add_option("--shard", opts.shard,
                   "Run only shard K of N (K/N, K from 0): the source items whose number % N is K "
                   "(docs/scale-out.md)");
    run.add_flag("--shard-from-env", opts.shard_from_env,
                 "Take the shard index from JOB_COMPLETION_INDEX (Kubernetes) or "
                 "SLURM_ARRAY_TASK_ID (Slurm), the count from --shard-count or "
                 "SLURM_ARRAY_TASK_COUNT");
    run.add_option("--shard-count", opts.shard_count,
                   "With --shard-from-env: the number of shards N");
    run.add_option("--metrics-listen", opts.metrics_listen,
                   "Serve Prometheus metrics at http://HOST:PORT/metrics (and /healthz, /ready) "
                   "while the run goes; port 0 picks a free port");
    run.add_option_function<std::string>(
        "--metrics-linger",
        [&opts](const std::string& text) {
            auto ns = wprun::config::parse_duration_ns(text);
            if (!ns || *ns < 0) throw CLI::ValidationError("--metrics-linger", "a duration: 15s");
            opts.metrics_linger = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::nanoseconds(*ns));
        },
        "Keep serving metrics this long after the run ends (default 0s; Ctrl-C ends it)");
}

/// Everything the command line sets, and the subcommands (one of them parsed).
struct command_line {
    wprun::cli::common_options opts;
    std::string log_level = "warn", log_format = "text";
    std::string file, name, graph_format = "dot", validate_format = "text";
    std::vector<std::string> files, paths{"pipelines"};
    CLI::App *run = nullptr, *validate = nullptr, *graph = nullptr, *plugins = nullptr,
             *test = nullptr;
};

void add_global_options(CLI::App& app, command_line& c) {
    app.set_version_flag("--version", std::string("wprun " WPRUN_VERSION " (plugin SDK ABI ") +
                                          std::to_string(WPRUN_ABI_MAJOR) + "." +
                                          std::to_string(WPRUN_ABI_MINOR) + ")");
    app.set_help_all_flag("--help-all", "Print this help and every subcommand's (the man page)");
    app.add_option("--plugin-path", c.opts.plugin_paths,
                   "Folder or library file to load plugins from (repeatable; searched first)")
        ->allow_extra_args(false);
    app.add_option("--log-level", c.log_level,
                   "trace, debug, info, warn, error or off (debug: each failed item and retry)")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
        ->capture_default_str();
    app.add_option("--log-format", c.log_format,
                   "text, or json: one object per line (ts, level, stage, seq, msg)")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    app.add_flag("-q,--quiet", c.opts.quiet, "Print only problems (no report on success)");
    app.footer(wprun::cli::help::main_footer);
}

/// A subcommand with its examples as footer and `--set` (all but `plugins`).
CLI::App* subcommand(CLI::App& app,
                     command_line& c,
                     const char* name,
                     const char* what,
                     const char* footer,
                     const char* set_help = "Override a value (repeatable)") {
    CLI::App* sub = app.add_subcommand(name, what);
    sub->footer(footer);
    sub->fallthrough();
    if (set_help) sub->add_option("--set", c.opts.overrides, set_help)->allow_extra_args(false);
    return sub;
}

void add_subcommands(CLI::App& app, command_line& c) {
    namespace help = wprun::cli::help;
    c.run = subcommand(app, c, "run", "Run a pipeline and report on stderr", help::run_footer,
                       "Override a value: stages.NAME.workers=8 (repeatable)");
    c.run->add_option("pipeline", c.file, "Pipeline file (YAML)")->required();
    add_run_options(*c.run, c.opts);
    c.validate = subcommand(app, c, "validate", "Check pipelines without running them",
                            help::validate_footer);
    c.validate->add_option("pipelines", c.files, "Pipeline files")->required();
    c.validate->add_option("--format", c.validate_format, "text (file:line:column lines) or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    c.graph = subcommand(app, c, "graph", "Print a pipeline as Graphviz DOT or Mermaid",
                         help::graph_footer);
    c.graph->add_option("pipeline", c.file, "Pipeline file (YAML)")->required();
    c.graph->add_option("--format", c.graph_format, "dot (Graphviz) or mermaid")
        ->check(CLI::IsMember({"dot", "mermaid"}))
        ->capture_default_str();
    c.plugins = subcommand(app, c, "plugins", "List processors, or show one's config",
                           help::plugins_footer, nullptr);
    c.plugins->add_option("name", c.name, "Processor name: show its description and config schema");
    c.test = subcommand(app, c, "test", "Run pipelines that have an expect block and check them",
                        help::test_footer, "Override a value in every pipeline (repeatable)");
    c.test->add_option("paths", c.paths, "Pipeline files or folders (default: pipelines)");
}

/// Runs the parsed subcommand; a startup_error becomes one line per problem and its exit code.
int dispatch(const command_line& c) {
    using namespace wprun;
    try {
        if (c.run->parsed()) return cli::run_command(c.file, c.opts);
        if (c.validate->parsed())
            return cli::validate_command(c.files, c.opts, c.validate_format == "json");
        if (c.graph->parsed()) return cli::graph_command(c.file, c.graph_format, c.opts);
        if (c.plugins->parsed()) return cli::plugins_command(c.name, c.opts);
        return cli::test_command(c.paths, c.opts);
    } catch (const startup_error& e) {
        cli::print_diagnostics(e.problems());
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "wprun: error: %s\n", e.what());
        return static_cast<int>(exit_code::items_failed);
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "wprun: run a YAML pipeline of worker-pool stages whose processors come from plugins",
        "wprun"};
    app.formatter(std::make_shared<formatter_with_examples>());  // before the subcommands
    app.require_subcommand(1);
    command_line c;
    add_global_options(app, c);
    add_subcommands(app, c);
    try {
        app.parse(with_default_command(argc, argv));
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : static_cast<int>(wprun::exit_code::usage);
    }
    wprun::cli::setup_logging(c.log_level, *wprun::cli::parse_log_format(c.log_format));
    install_signal_handlers();
    c.opts.interrupts = &interrupts;
    c.opts.first_signal = &first_signal;
    return dispatch(c);
}
