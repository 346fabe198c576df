#include "plugin/registry.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "plugin/fixture_support.h"

namespace wprun::plugin {
namespace {

namespace fs = std::filesystem;
using fixtures::fixture;
using fixtures::noop_host;
using fixtures::plugin_error;
using fixtures::scratch_dir;

std::vector<std::string> names(const registry& r) {
    std::vector<std::string> out;
    for (const processor_entry* e : r.processors()) out.push_back(e->def->name);
    return out;
}

class PluginRegistry : public ::testing::Test {
protected:
    /// A folder holding links to the named fixtures, as a plugin folder would hold libraries.
    fs::path folder_of(const std::string& name, const std::vector<std::string>& fixtures) {
        fs::path dir = tmp_.subdir(name);
        for (const std::string& f : fixtures)
            fs::create_symlink(fixture(f), dir / fixture(f).filename());
        return dir;
    }

    static void write_hint(const fs::path& file, const std::string& text) {
        std::ofstream(file) << text;
    }

    scratch_dir tmp_;
    registry reg_{noop_host()};
    diagnostics diags_;
};

TEST_F(PluginRegistry, LoadFileRegistersEveryProcessorWithItsPlugin) {
    reg_.load_file(fixture("good"));
    const processor_entry* upper = reg_.find("fixture_upper");
    ASSERT_NE(upper, nullptr);
    EXPECT_EQ(upper->plugin_name, "fixture_good");
    EXPECT_EQ(upper->plugin_version, "1.2.3");
    EXPECT_EQ(upper->file, fixture("good").string());
    EXPECT_EQ(upper->abi_version, WPRUN_ABI_VERSION);
    EXPECT_NE(reg_.find("fixture_count"), nullptr);
}

TEST_F(PluginRegistry, UnknownProcessorIsNotFound) {
    reg_.load_file(fixture("good"));
    EXPECT_EQ(reg_.find("fixture_nope"), nullptr);
}

TEST_F(PluginRegistry, ProcessorsAreSortedByName) {
    reg_.load_file(fixture("handmade"));
    reg_.load_file(fixture("good"));
    EXPECT_EQ(names(reg_),
              (std::vector<std::string>{"fixture_count", "fixture_handmade", "fixture_upper"}));
}

TEST_F(PluginRegistry, SameFileLoadedTwiceIsNotADuplicate) {
    reg_.load_file(fixture("good"));
    EXPECT_NO_THROW(reg_.load_file(tmp_.link("again.so", fixture("good"))));
    EXPECT_EQ(reg_.processors().size(), 2u);
}

TEST_F(PluginRegistry, DuplicateProcessorNamesBothFiles) {
    reg_.load_file(fixture("dup_a"));
    std::string message = plugin_error([&] { reg_.load_file(fixture("dup_b")); });
    EXPECT_HAS(message, "processor 'fixture_echo'");
    EXPECT_HAS(message, fixture("dup_a").string());
    EXPECT_HAS(message, fixture("dup_b").string());
    EXPECT_EQ(reg_.find("fixture_echo")->plugin_name, "fixture_dup_a");
}

TEST_F(PluginRegistry, LoadFileOfABrokenPluginThrows) {
    std::string message = plugin_error([&] { reg_.load_file(fixture("init_fails")); });
    EXPECT_HAS(message, "failed to initialise");
    EXPECT_TRUE(reg_.processors().empty());
}

TEST_F(PluginRegistry, ScanLoadsEveryLibraryOfAFolder) {
    reg_.scan({folder_of("plugins", {"good", "handmade"})}, diags_);
    EXPECT_EQ(names(reg_),
              (std::vector<std::string>{"fixture_count", "fixture_handmade", "fixture_upper"}));
    EXPECT_TRUE(diags_.items().empty());
}

TEST_F(PluginRegistry, ScanOnlyLooksAtSoFiles) {
    fs::path dir = folder_of("plugins", {});
    fs::create_symlink(fixture("good"), dir / "good.so.bak");
    fs::create_directories(dir / "folder.so");
    reg_.scan({dir}, diags_);
    EXPECT_TRUE(reg_.processors().empty());
    EXPECT_TRUE(diags_.items().empty());
}

TEST_F(PluginRegistry, ScanWarnsAboutBrokenLibrariesAndGoesOn) {
    reg_.scan({folder_of("plugins", {"good", "init_fails", "not_plugin"})}, diags_);
    EXPECT_NE(reg_.find("fixture_upper"), nullptr);
    ASSERT_EQ(diags_.items().size(), 2u);
    EXPECT_FALSE(diags_.has_errors());
    ASSERT_EQ(reg_.load_failures().size(), 2u);
    EXPECT_EQ(reg_.load_failures()[0].level, severity::warning);
    EXPECT_HAS(reg_.load_failures()[0].message, fixture("init_fails").filename().string());
    EXPECT_HAS(reg_.load_failures()[1].message, "is not a wprun plugin");
}

TEST_F(PluginRegistry, ScanTellsAFailureOnceWhenSeenTwice) {
    fs::path dir = folder_of("plugins", {"init_fails"});
    reg_.scan({dir, folder_of("more", {"init_fails"})}, diags_);
    EXPECT_EQ(reg_.load_failures().size(), 1u);
}

TEST_F(PluginRegistry, ScanSkipsALibraryAlreadyLoaded) {
    reg_.load_file(fixture("good"));
    EXPECT_NO_THROW(reg_.scan({folder_of("a", {"good"}), folder_of("b", {"good"})}, diags_));
    EXPECT_EQ(reg_.processors().size(), 2u);
}

TEST_F(PluginRegistry, ScanThrowsOnDuplicateProcessors) {
    fs::path dir = folder_of("plugins", {"dup_a", "dup_b"});
    std::string message = plugin_error([&] { reg_.scan({dir}, diags_); });
    EXPECT_HAS(message, "processor 'fixture_echo'");
}

TEST_F(PluginRegistry, ScanLoadsAFileEntryLikeLoadFile) {
    reg_.scan({fixture("good")}, diags_);
    EXPECT_NE(reg_.find("fixture_upper"), nullptr);
    std::string message = plugin_error([&] { reg_.scan({fixture("init_fails")}, diags_); });
    EXPECT_HAS(message, "failed to initialise");
}

TEST_F(PluginRegistry, ScanKeepsWorkingAfterAnUnloadableLibrary) {
    reg_.scan({folder_of("plugins", {"unresolved", "abi_major_new", "handmade"})}, diags_);
    EXPECT_NE(reg_.find("fixture_handmade"), nullptr);
    EXPECT_EQ(reg_.load_failures().size(), 2u);
}

TEST_F(PluginRegistry, RequireLoadsOnlyTheLibraryNamedAfterTheProcessor) {
    fs::path dir = folder_of("plugins", {"handmade"});
    fs::create_symlink(fixture("good"), dir / "libwprun_fixture_upper.so");
    reg_.set_search_path({dir});
    const processor_entry* upper = reg_.require("fixture_upper", diags_);
    ASSERT_NE(upper, nullptr);
    EXPECT_EQ(upper->plugin_name, "fixture_good");
    EXPECT_EQ(reg_.find("fixture_handmade"), nullptr);  // the other library stays unloaded
    EXPECT_TRUE(diags_.items().empty());
}

TEST_F(PluginRegistry, RequireAlsoTriesTheBareProcessorName) {
    fs::path dir = folder_of("plugins", {"handmade"});
    fs::create_symlink(fixture("good"), dir / "fixture_count.so");
    reg_.set_search_path({dir});
    EXPECT_NE(reg_.require("fixture_count", diags_), nullptr);
    EXPECT_EQ(reg_.find("fixture_handmade"), nullptr);
}

TEST_F(PluginRegistry, RequireFallsBackToEveryLibraryWhenNoFileIsNamedAfterIt) {
    reg_.set_search_path({folder_of("plugins", {"good", "handmade"})});
    EXPECT_NE(reg_.require("fixture_upper", diags_), nullptr);
    EXPECT_NE(reg_.find("fixture_handmade"), nullptr);
}

TEST_F(PluginRegistry, RequireOfAnUnknownProcessorLoadsEverythingAndTellsWhatFailed) {
    reg_.set_search_path({folder_of("plugins", {"good", "init_fails"})});
    EXPECT_EQ(reg_.require("fixture_nope", diags_), nullptr);
    EXPECT_EQ(names(reg_), (std::vector<std::string>{"fixture_count", "fixture_upper"}));
    ASSERT_EQ(reg_.load_failures().size(), 1u);
    EXPECT_EQ(diags_.items().size(), 1u);
    EXPECT_FALSE(diags_.has_errors());
}

TEST_F(PluginRegistry, RequireReportsNamedLibrariesInTwoFoldersAsADuplicate) {
    fs::path a = folder_of("a", {}), b = folder_of("b", {});
    fs::create_symlink(fixture("dup_a"), a / "libwprun_fixture_echo.so");
    fs::create_symlink(fixture("dup_b"), b / "fixture_echo.so");
    reg_.set_search_path({a, b});
    std::string message = plugin_error([&] { reg_.require("fixture_echo", diags_); });
    EXPECT_HAS(message, "processor 'fixture_echo'");
    EXPECT_HAS(message, (a / "libwprun_fixture_echo.so").string());
    EXPECT_HAS(message, (b / "fixture_echo.so").string());
}

TEST_F(PluginRegistry, RequireReportsADuplicateOnceItScansEverything) {
    fs::path dir = folder_of("plugins", {"dup_a", "dup_b"});
    reg_.set_search_path({dir});
    std::string message = plugin_error([&] { reg_.require("fixture_echo", diags_); });
    EXPECT_HAS(message, "processor 'fixture_echo'");
}

TEST_F(PluginRegistry, RequireGoesPastABrokenNamedLibraryWithAWarning) {
    fs::path named = folder_of("named", {});
    fs::create_symlink(fixture("init_fails"), named / "libwprun_fixture_upper.so");
    reg_.set_search_path({named, folder_of("plugins", {"good"})});
    EXPECT_NE(reg_.require("fixture_upper", diags_), nullptr);
    ASSERT_EQ(reg_.load_failures().size(), 1u);
    EXPECT_HAS(reg_.load_failures()[0].message, "libwprun_fixture_upper.so");
}

TEST_F(PluginRegistry, RequireNeverBuildsAFileNameThatLeavesTheFolder) {
    fs::path dir = folder_of("plugins", {});
    tmp_.link("escape.so", fixture("good"));  // beside the folder: "plugins/../escape.so"
    reg_.set_search_path({dir});
    EXPECT_EQ(reg_.require("../escape", diags_), nullptr);
    EXPECT_TRUE(reg_.processors().empty());
}

TEST_F(PluginRegistry, RequireLoadsTheLibraryItsProcessorsHintNames) {
    fs::path dir = folder_of("plugins", {"good", "handmade"});
    write_hint(dir / (fixture("good").filename().string() + ".processors"),
               "# fixture_good\nfixture_upper\n  fixture_count  \n\n");
    reg_.set_search_path({dir});
    EXPECT_NE(reg_.require("fixture_count", diags_), nullptr);
    EXPECT_EQ(reg_.find("fixture_handmade"), nullptr);  // no hint names it: still unloaded
    EXPECT_TRUE(diags_.items().empty());
}

TEST_F(PluginRegistry, AWrongHintOnlyCostsLoadingEveryLibrary) {
    fs::path dir = folder_of("plugins", {"good", "handmade"});
    write_hint(dir / (fixture("good").filename().string() + ".processors"), "fixture_handmade\n");
    reg_.set_search_path({dir});
    const processor_entry* handmade = reg_.require("fixture_handmade", diags_);
    ASSERT_NE(handmade, nullptr);
    EXPECT_EQ(handmade->plugin_name, "fixture_handmade");
}

TEST_F(PluginRegistry, AHintWhoseLibraryIsMissingIsIgnored) {
    fs::path dir = folder_of("plugins", {"good"});
    write_hint(dir / "libwprun_gone.so.processors", "fixture_upper\n");
    reg_.set_search_path({dir});
    EXPECT_NE(reg_.require("fixture_upper", diags_), nullptr);
    EXPECT_TRUE(diags_.items().empty());
    EXPECT_TRUE(reg_.load_failures().empty());
}

TEST_F(PluginRegistry, AHintedLibraryAndANamedOneAreADuplicate) {
    fs::path a = folder_of("a", {}), b = folder_of("b", {"dup_b"});
    fs::create_symlink(fixture("dup_a"), a / "libwprun_fixture_echo.so");
    write_hint(b / (fixture("dup_b").filename().string() + ".processors"), "fixture_echo\n");
    reg_.set_search_path({a, b});
    std::string message = plugin_error([&] { reg_.require("fixture_echo", diags_); });
    EXPECT_HAS(message, "processor 'fixture_echo'");
    EXPECT_HAS(message, fixture("dup_b").filename().string());
}

TEST_F(PluginRegistry, SetSearchPathLoadsItsFileEntriesAtOnce) {
    reg_.set_search_path({folder_of("plugins", {"handmade"}), fixture("good")});
    EXPECT_NE(reg_.find("fixture_upper"), nullptr);
    EXPECT_EQ(reg_.find("fixture_handmade"), nullptr);
    std::string message = plugin_error([&] { reg_.set_search_path({fixture("init_fails")}); });
    EXPECT_HAS(message, "failed to initialise");
}

TEST_F(PluginRegistry, SchemaOfConvertsEveryField) {
    reg_.load_file(fixture("good"));
    std::vector<engine::field_schema> schema = schema_of(*reg_.find("fixture_upper")->def);
    ASSERT_EQ(schema.size(), 6u);
    const wprun_value_type types[] = {WPRUN_TYPE_STRING, WPRUN_TYPE_INT,      WPRUN_TYPE_FLOAT,
                                      WPRUN_TYPE_BOOL,   WPRUN_TYPE_DURATION, WPRUN_TYPE_SIZE};
    for (size_t i = 0; i < schema.size(); ++i) EXPECT_EQ(schema[i].type, types[i]) << i;
    EXPECT_EQ(schema[0].name, "prefix");
    EXPECT_FALSE(schema[0].default_value.has_value());
    EXPECT_EQ(schema[1].default_value, "1");
    EXPECT_EQ(schema[4].default_value, "2s");
    EXPECT_FALSE(schema[4].required);
    EXPECT_TRUE(schema[5].required);
    EXPECT_EQ(schema[5].description, "a size, required");
}

TEST_F(PluginRegistry, SchemaOfAProcessorWithoutConfigIsEmpty) {
    reg_.load_file(fixture("good"));
    EXPECT_TRUE(schema_of(*reg_.find("fixture_count")->def).empty());
}

}  // namespace
}  // namespace wprun::plugin
