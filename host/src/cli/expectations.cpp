#include "cli/expectations.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/report.h"

namespace wprun::cli {
namespace fs = std::filesystem;
namespace {

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::string shorten(const std::string& s) { return s.size() > 80 ? s.substr(0, 77) + "..." : s; }

std::string first_difference(const std::vector<std::string>& want,
                             const std::vector<std::string>& got) {
    size_t n = std::min(want.size(), got.size());
    for (size_t i = 0; i < n; ++i)
        if (want[i] != got[i])
            return fmt::format("line {}: expected '{}', got '{}'", i + 1, shorten(want[i]),
                               shorten(got[i]));
    return fmt::format("expected {} lines, got {}", want.size(), got.size());
}

std::string compare_files(const fs::path& expected, const fs::path& actual, bool sorted) {
    std::string want = read_file(expected), got = read_file(actual);
    if (!sorted && want == got) return {};
    auto a = split_lines(want), b = split_lines(got);
    if (sorted) {
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        if (a == b) return {};
    }
    if (a == b) return "outputs differ only in line endings or a final newline";
    return first_difference(a, b);
}

std::vector<std::string> files_under(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) out.push_back(fs::relative(e.path(), dir).generic_string());
    std::sort(out.begin(), out.end());
    return out;
}

std::string compare_folders(const fs::path& expected, const fs::path& actual) {
    auto want = files_under(expected), got = files_under(actual);
    if (want != got) return "files differ: " + first_difference(want, got);
    for (const auto& name : want)
        if (auto d = compare_files(expected / name, actual / name, false); !d.empty())
            return name + ": " + d;
    return {};
}

void check_count(std::vector<std::string>& out,
                 const char* what,
                 const std::optional<uint64_t>& want,
                 uint64_t got) {
    if (want && *want != got)
        out.push_back(fmt::format("ledger {}: expected {}, got {}", what, *want, got));
}

const engine::stage_report* find_stage(const engine::run_report& r, const std::string& name) {
    for (const auto& s : r.stages)
        if (s.name == name) return &s;
    return nullptr;
}

/// `expect: report:` — one stage's report within the given bounds.
void check_stage(std::vector<std::string>& out,
                 const engine::stage_expect& want,
                 const engine::run_report& report) {
    const engine::stage_report* s = find_stage(report, want.stage);
    std::string where = "report " + want.stage + ": ";
    if (s == nullptr) return out.push_back(where + "no such stage in the run");
    if (auto b = want.concurrency_between) {
        if (!s->concurrency)
            out.push_back(where + "concurrency_between: the stage has no adaptive limit");
        else if (s->concurrency->limit < b->first || s->concurrency->limit > b->second)
            out.push_back(fmt::format("{}concurrency: expected a final limit in [{}, {}], got {}",
                                      where, b->first, b->second, s->concurrency->limit));
    }
    if (want.max_queue_depth && s->queue_high_water > *want.max_queue_depth)
        out.push_back(fmt::format("{}queue depth: expected at most {}, got {}", where,
                                  *want.max_queue_depth, s->queue_high_water));
    if (want.stuck_workers && s->stuck_workers != *want.stuck_workers)
        out.push_back(fmt::format("{}stuck workers: expected {}, got {}", where,
                                  *want.stuck_workers, s->stuck_workers));
}

}  // namespace

std::string compare_output(const fs::path& expected, const fs::path& actual, bool sorted) {
    if (!fs::exists(expected)) return "expected output '" + expected.string() + "' does not exist";
    if (!fs::exists(actual)) return "the run wrote no output";
    if (fs::is_directory(expected)) return compare_folders(expected, actual);
    return compare_files(expected, actual, sorted);
}

std::string check_key_order(const fs::path& output) {
    std::ifstream in(output, std::ios::binary);
    if (!in) return "the run wrote no output";
    std::map<std::string, uint64_t, std::less<>> last;  // key -> the seq seen last
    size_t number = 0;
    for (std::string line; std::getline(in, line);) {
        ++number;
        auto doc = nlohmann::json::parse(line, nullptr, false);
        if (doc.is_discarded() || !doc.is_object() || !doc.contains("seq") ||
            !doc["seq"].is_number_unsigned())
            return fmt::format("line {}: not a JSON object with a seq (use the jsonl sink)",
                               number);
        std::string key = doc.value("key", "");
        auto seq = doc["seq"].get<uint64_t>();
        auto [it, first] = last.try_emplace(key, seq);
        if (!first && seq < it->second)
            return fmt::format("line {}: key '{}': seq {} comes after seq {}", number, shorten(key),
                               seq, it->second);
        it->second = seq;
    }
    return {};
}

std::vector<std::string> check_expectations(const engine::expect_spec& expect,
                                            const fs::path& base_dir,
                                            const engine::run_report& report,
                                            exit_code code,
                                            const fs::path& output,
                                            const fs::path& errors) {
    std::vector<std::string> out;
    const engine::ledger& l = report.totals;
    check_count(out, "read", expect.read, l.read);
    check_count(out, "written", expect.written, l.written);
    check_count(out, "filtered", expect.filtered, l.filtered);
    check_count(out, "failed", expect.failed, l.failed);
    check_count(out, "cancelled", expect.cancelled, l.cancelled);
    int want_exit = expect.exit.value_or(expect.failed.value_or(0) > 0 ? 1 : 0);
    if (static_cast<int>(code) != want_exit)
        out.push_back(
            fmt::format("exit code: expected {}, got {}", want_exit, static_cast<int>(code)));
    if (!expect.output.empty())
        if (auto d = compare_output(base_dir / expect.output, output, expect.sorted); !d.empty())
            out.push_back("output: " + d);
    if (expect.key_order)
        if (auto d = check_key_order(output); !d.empty()) out.push_back("key_order: " + d);
    if (!expect.errors.empty())
        if (auto d = compare_output(base_dir / expect.errors, errors, true); !d.empty())
            out.push_back("errors: " + d);
    if (!expect.stopped.empty() && expect.stopped != stop_name(report.stopped))
        out.push_back("stopped: expected " + expect.stopped + ", got " + stop_name(report.stopped));
    for (const auto& want : expect.report) check_stage(out, want, report);
    if (!l.balanced()) out.push_back("the ledger does not balance");
    return out;
}

}  // namespace wprun::cli
