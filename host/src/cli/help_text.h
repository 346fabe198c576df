// help_text: the examples at the foot of `wprun --help` and of each subcommand's help (CLI11
// footers). The man page (help2man over `wprun --help-all`, see host/src/cli/CMakeLists.txt)
// is made from the same text, so the two never disagree.
#pragma once

namespace wprun::cli::help {

inline constexpr const char* main_footer = R"(Examples:
  wprun pipelines/hello.yaml                  run a pipeline (same as: wprun run FILE)
  wprun run job.yaml --set stages.hash.workers=8   override a value of the file
  wprun run job.yaml --report out/run.html    also write the report as one HTML page
  wprun run job.yaml --metrics-listen 127.0.0.1:9464   Prometheus metrics while it runs
  wprun validate pipelines/*.yaml             check without running (file:line:column)
  wprun graph job.yaml | dot -Tsvg > job.svg  draw the pipeline
  wprun plugins hash                          one processor's config options
  wprun test pipelines/                       run the sample pipelines, compare their outputs

Exit codes: 0 every item written or filtered; 1 items failed or the run was stopped; 2 usage or
pipeline error; 3 a plugin could not be loaded; 130 / 143 interrupted by SIGINT / SIGTERM.
Plugins are searched in --plugin-path, then $WPRUN_PLUGIN_PATH, then beside the binary.
Subcommand help: wprun run --help (and validate, graph, plugins, test).)";

inline constexpr const char* run_footer = R"(Examples:
  wprun run pipelines/checksum.yaml
  wprun run job.yaml --set source.count=1000000 --set stages.spin.workers=8
  wprun run job.yaml --progress --report out/run.json 2>progress.log
  wprun run job.yaml --metrics-listen 127.0.0.1:0 --metrics-linger 15s
  wprun --log-level debug --log-format json run job.yaml 2>log.jsonl

The report goes to stderr (-q: only when something went wrong); the sink may be stdout.)";

inline constexpr const char* validate_footer = R"(Examples:
  wprun validate pipelines/*.yaml
  wprun validate job.yaml --set stages.hash.workers=64   check with an override
  wprun validate job.yaml --format json     errors and warnings as JSON (editors, CI)

Exit code 2 when a file has errors; warnings never change it.)";

inline constexpr const char* graph_footer = R"(Examples:
  wprun graph job.yaml | dot -Tsvg > job.svg
  wprun graph job.yaml --format mermaid     paste into Markdown (GitHub renders it))";

inline constexpr const char* plugins_footer = R"(Examples:
  wprun plugins                    every processor on the plugin path
  wprun plugins hash               its description and config options (name, type, default)
  wprun --plugin-path build/my-plugin plugins)";

inline constexpr const char* test_footer = R"(Examples:
  wprun test                       every pipeline under ./pipelines with an expect: block
  wprun test pipelines/patterns/retry.yaml
  wprun test pipelines/ --set stages.spin.workers=1)";

}  // namespace wprun::cli::help
