// The processors hints of the shipped plugins (plugins/CMakeLists.txt writes
// libwprun_<name>.so.processors from each plugin's PROCESSORS) list exactly what each library
// provides: a hint that drifted from its plugin would make runs load every plugin again.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "plugin/fixture_support.h"
#include "plugin/registry.h"

namespace wprun::plugin {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> lines_of(const fs::path& file) {
    std::vector<std::string> out;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<fs::path> shipped_libraries() {
    std::vector<fs::path> out;
    for (const auto& entry : fs::directory_iterator(WPRUN_TEST_PLUGIN_OUTPUT_DIR))
        if (entry.path().extension() == ".so") out.push_back(entry.path());
    std::sort(out.begin(), out.end());
    return out;
}

TEST(ShippedPlugins, EachHasAProcessorsHintListingExactlyItsProcessors) {
    std::vector<fs::path> libraries = shipped_libraries();
    ASSERT_FALSE(libraries.empty());
    for (const fs::path& library : libraries) {
        fs::path hint = library.string() + ".processors";
        ASSERT_TRUE(fs::is_regular_file(hint)) << hint;
        registry reg(fixtures::noop_host());
        reg.load_file(library);
        std::vector<std::string> provided;
        for (const processor_entry* e : reg.processors()) provided.push_back(e->def->name);
        EXPECT_EQ(lines_of(hint), provided) << library;
    }
}

}  // namespace
}  // namespace wprun::plugin
