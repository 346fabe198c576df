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

/// `wprun FILE` means `wprun run FILE`: insert "run" before the first positional argument when
/// it is not a subcommand.
std::vector<std::string> with_default_command(int argc, char** argv) {
    static const std::set<std::string> commands{"run",     "validate", "graph",
                                                "plugins", "test",     "help"};
    static const std::set<std::string> takes_value{
        "--plugin-path", "--set",    "--log-level",      "--report",
        "--tick",        "--format", "--metrics-listen", "--metrics-linger",
        "--log-format"};
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

}  // namespace

int main(int argc, char** argv) {
    using namespace wprun;
    CLI::App app{
        "wprun: run a YAML pipeline of worker-pool stages whose processors come from plugins"};
    app.set_version_flag("--version", std::string("wprun " WPRUN_VERSION " (plugin SDK ABI ") +
                                          std::to_string(WPRUN_ABI_MAJOR) + "." +
                                          std::to_string(WPRUN_ABI_MINOR) + ")");
    app.require_subcommand(1);
    app.set_help_all_flag("--help-all", "Print this help and every subcommand's (the man page)");
    app.footer(cli::help::main_footer);
    cli::common_options opts;
    std::string log_level = "warn", log_format = "text";
    app.add_option("--plugin-path", opts.plugin_paths,
                   "Folder or library file to load plugins from (repeatable; searched first)")
        ->allow_extra_args(false);
    app.add_option("--log-level", log_level,
                   "trace, debug, info, warn, error or off (debug: each failed item and retry)")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
        ->capture_default_str();
    app.add_option("--log-format", log_format,
                   "text, or json: one object per line (ts, level, stage, seq, msg)")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    app.add_flag("-q,--quiet", opts.quiet, "Print only problems (no report on success)");

    std::string file, name;
    std::vector<std::string> files, paths{"pipelines"};
    auto* run = app.add_subcommand("run", "Run a pipeline and report on stderr");
    run->add_option("pipeline", file, "Pipeline file (YAML)")->required();
    run->add_option("--set", opts.overrides, "Override a value: stages.NAME.workers=8 (repeatable)")
        ->allow_extra_args(false);
    add_run_options(*run, opts);
    run->footer(cli::help::run_footer);
    auto* validate = app.add_subcommand("validate", "Check pipelines without running them");
    validate->add_option("pipelines", files, "Pipeline files")->required();
    validate->add_option("--set", opts.overrides, "Override a value (repeatable)")
        ->allow_extra_args(false);
    std::string validate_format = "text";
    validate->add_option("--format", validate_format, "text (file:line:column lines) or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    validate->footer(cli::help::validate_footer);
    std::string format = "dot";
    auto* graph = app.add_subcommand("graph", "Print a pipeline as Graphviz DOT or Mermaid");
    graph->add_option("pipeline", file, "Pipeline file (YAML)")->required();
    graph->add_option("--format", format, "dot (Graphviz) or mermaid")
        ->check(CLI::IsMember({"dot", "mermaid"}))
        ->capture_default_str();
    graph->add_option("--set", opts.overrides, "Override a value (repeatable)")
        ->allow_extra_args(false);
    graph->footer(cli::help::graph_footer);
    auto* plugins = app.add_subcommand("plugins", "List processors, or show one's config");
    plugins->add_option("name", name, "Processor name: show its description and config schema");
    plugins->footer(cli::help::plugins_footer);
    auto* test =
        app.add_subcommand("test", "Run pipelines that have an expect block and check them");
    test->add_option("paths", paths, "Pipeline files or folders (default: pipelines)");
    test->add_option("--set", opts.overrides, "Override a value in every pipeline (repeatable)")
        ->allow_extra_args(false);
    test->footer(cli::help::test_footer);
    for (auto* sub : {run, validate, graph, plugins, test}) sub->fallthrough();

    try {
        app.parse(with_default_command(argc, argv));
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : static_cast<int>(exit_code::usage);
    }
    cli::setup_logging(log_level, *cli::parse_log_format(log_format));
    install_signal_handlers();
    opts.interrupts = &interrupts;
    opts.first_signal = &first_signal;
    try {
        if (run->parsed()) return cli::run_command(file, opts);
        if (validate->parsed())
            return cli::validate_command(files, opts, validate_format == "json");
        if (graph->parsed()) return cli::graph_command(file, format, opts);
        if (plugins->parsed()) return cli::plugins_command(name, opts);
        return cli::test_command(paths, opts);
    } catch (const startup_error& e) {
        cli::print_diagnostics(e.problems());
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "wprun: error: %s\n", e.what());
        return static_cast<int>(exit_code::items_failed);
    }
}
