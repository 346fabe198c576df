// libFuzzer target: the config loader on arbitrary text.
//
// `load_pipeline_text` must turn any input into either a spec or diagnostics with a location:
// no crash, no sanitizer report, no exception escaping, no runaway memory or time (alias bombs,
// deep nesting and huge numbers included). Run with scripts/fuzz.sh; the seed corpus is the
// sample pipelines plus tests/fuzz/corpus. A crash found becomes a case in
// tests/config/loader_test.cpp (and its input a file in tests/fuzz/corpus).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    // Half the inputs also get a --set override, so the override paths are fuzzed too.
    std::vector<std::string> overrides;
    if (size > 0 && data[0] % 2 == 1) overrides.emplace_back("stages.0.workers=2");
    auto result = wprun::config::load_pipeline_text(text, "fuzz.yaml", "/tmp", overrides);
    if (!result.diags.has_errors() && result.spec.stages.empty()) __builtin_trap();
    return 0;
}
