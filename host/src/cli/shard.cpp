#include "cli/shard.h"

#include <charconv>

#include "detail/error.h"

namespace wprun::cli {
namespace {

[[noreturn]] void bad(const std::string& message) {
    throw startup_error(exit_code::usage, location{}, message);
}

std::optional<uint64_t> number(std::string_view text) {
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return v;
}

engine::shard checked(uint64_t index, uint64_t count, const std::string& what) {
    if (count < 1) bad(what + ": the number of shards must be at least 1");
    if (index >= count)
        bad(what + ": shard index " + std::to_string(index) +
            " is not below the number of shards " + std::to_string(count) +
            " (indexes run from 0 to " + std::to_string(count - 1) + ")");
    return {index, count};
}

}  // namespace

engine::shard parse_shard(const std::string& text) {
    std::string what = "--shard '" + text + "'";
    size_t slash = text.find('/');
    std::optional<uint64_t> k, n;
    if (slash != std::string::npos) {
        k = number(std::string_view(text).substr(0, slash));
        n = number(std::string_view(text).substr(slash + 1));
    }
    if (!k || !n) bad(what + ": expected K/N, e.g. 0/4 (shard K of N, counted from 0)");
    return checked(*k, *n, what);
}

engine::shard shard_from_env(const env_lookup& env, std::optional<uint64_t> count) {
    const char* index_var = "JOB_COMPLETION_INDEX";
    const char* index = env(index_var);
    if (index == nullptr) {
        index_var = "SLURM_ARRAY_TASK_ID";
        index = env(index_var);
    }
    if (index == nullptr)
        bad("--shard-from-env: neither JOB_COMPLETION_INDEX (Kubernetes indexed Job) nor "
            "SLURM_ARRAY_TASK_ID (Slurm job array) is set");
    std::optional<uint64_t> k = number(index);
    if (!k) bad(std::string("--shard-from-env: ") + index_var + "='" + index + "' is not a number");
    if (!count) {
        const char* n = env("SLURM_ARRAY_TASK_COUNT");
        if (n == nullptr)
            bad("--shard-from-env: the number of shards is unknown: give --shard-count N (or set "
                "SLURM_ARRAY_TASK_COUNT)");
        count = number(n);
        if (!count)
            bad(std::string("--shard-from-env: SLURM_ARRAY_TASK_COUNT='") + n +
                "' is not a number");
    }
    return checked(*k, *count, std::string("--shard-from-env (") + index_var + ")");
}

}  // namespace wprun::cli
