#include "plugin/library.h"

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <string>

#include "plugin/fixture_support.h"

namespace wprun::plugin {
namespace {

namespace fs = std::filesystem;
using fixtures::fixture;
using fixtures::noop_host;
using fixtures::plugin_error;

std::string load_error(const fs::path& file) {
    return plugin_error([&] { library::load(file, noop_host()); });
}

std::string host_abi() {
    return std::to_string(WPRUN_ABI_MAJOR) + "." + std::to_string(WPRUN_ABI_MINOR);
}

TEST(PluginLibrary, LoadsAGoodPluginAndKeepsItsInfo) {
    library lib = library::load(fixture("good"), noop_host());
    EXPECT_STREQ(lib.info().name, "fixture_good");
    EXPECT_STREQ(lib.info().version, "1.2.3");
    ASSERT_EQ(lib.info().processor_count, 2u);
    EXPECT_STREQ(lib.info().processors[0]->name, "fixture_upper");
    EXPECT_EQ(lib.abi_version(), WPRUN_ABI_VERSION);
    EXPECT_EQ(lib.file(), fixture("good"));
}

TEST(PluginLibrary, HandWrittenEntryPointsLoad) {
    // The baseline of the faked variants below: only what each one changes makes it fail.
    library lib = library::load(fixture("handmade"), noop_host());
    EXPECT_STREQ(lib.info().processors[0]->name, "fixture_handmade");
}

TEST(PluginLibrary, CopyKeepsTheLibraryLoaded) {
    std::optional<library> original = library::load(fixture("good"), noop_host());
    library copy = *original;
    original.reset();
    EXPECT_STREQ(copy.info().processors[1]->name, "fixture_count");
}

TEST(PluginLibrary, MissingFileIsNamed) {
    fs::path missing = fixtures::fixture_dir() / "libwprun_nowhere.so";
    std::string message = load_error(missing);
    EXPECT_HAS(message, "plugin file '" + missing.string() + "' does not exist");
}

TEST(PluginLibrary, FolderIsNotAPluginFile) {
    std::string message = load_error(fixtures::fixture_dir());
    EXPECT_HAS(message, "is a folder");
}

TEST(PluginLibrary, FileThatIsNotALibraryReportsTheLoaderReason) {
    fixtures::scratch_dir tmp;
    fs::path junk = tmp.path() / "libjunk.so";
    std::ofstream(junk) << std::string(200, 'x');  // long enough for an ELF header
    std::string message = load_error(junk);
    EXPECT_HAS(message, "cannot load plugin '" + junk.string() + "'");
    EXPECT_HAS(message, "invalid ELF header");
    EXPECT_EQ(message.find("Bad file descriptor"), std::string::npos) << message;
}

TEST(PluginLibrary, UnresolvedSymbolIsNamedWithARebuildHint) {
    std::string message = load_error(fixture("unresolved"));
    EXPECT_HAS(message, fixture("unresolved").filename().string());
    EXPECT_HAS(message, "undefined symbol: wprun_fixture_missing_function");
    EXPECT_HAS(message, "built against another version");
    EXPECT_EQ(message.find("Bad file descriptor"), std::string::npos) << message;
}

TEST(PluginLibrary, LibraryWithoutAbiVersionIsNotAPlugin) {
    std::string message = load_error(fixture("not_plugin"));
    EXPECT_HAS(message, "'" + fixture("not_plugin").string() +
                            "' is not a wprun plugin (no wprun_plugin_abi_version symbol)");
}

TEST(PluginLibrary, NewerAbiMajorAsksToUpgradeWprun) {
    std::string message = load_error(fixture("abi_major_new"));
    EXPECT_HAS(message, fixture("abi_major_new").filename().string());
    EXPECT_HAS(message, "built for SDK ABI 2.0, this wprun speaks " + host_abi());
    EXPECT_HAS(message, "upgrade wprun");
}

TEST(PluginLibrary, OlderAbiMajorAsksToRebuildThePlugin) {
    std::string message = load_error(fixture("abi_major_old"));
    EXPECT_HAS(message, fixture("abi_major_old").filename().string());
    EXPECT_HAS(message, "built for SDK ABI 0.9, this wprun speaks " + host_abi());
    EXPECT_HAS(message, "rebuild the plugin against this wprun's SDK");
}

TEST(PluginLibrary, NewerAbiMinorAsksToUpgradeWprun) {
    std::string message = load_error(fixture("abi_minor_new"));
    EXPECT_HAS(message, fixture("abi_minor_new").filename().string());
    EXPECT_HAS(message, "needs host ABI 1.99 or newer, this wprun is " + host_abi());
    EXPECT_HAS(message, "upgrade wprun");
}

TEST(PluginLibrary, OlderOrEqualAbiMinorIsCompatible) {
    EXPECT_NO_THROW(check_abi_compatible(0x10000u, 0x10003u, "p.so"));
    EXPECT_NO_THROW(check_abi_compatible(0x10003u, 0x10003u, "p.so"));
    EXPECT_FALSE(plugin_error([] { check_abi_compatible(0x10004u, 0x10003u, "p.so"); }).empty());
}

TEST(PluginLibrary, InitFailureCarriesThePluginsMessage) {
    std::string message = load_error(fixture("init_fails"));
    EXPECT_HAS(message, fixture("init_fails").filename().string());
    EXPECT_HAS(message, "failed to initialise: cannot reach the licence server");
}

TEST(PluginLibrary, InfoSmallerThanVersionOneIsMalformed) {
    std::string message = load_error(fixture("bad_info_size"));
    EXPECT_HAS(message, fixture("bad_info_size").filename().string());
    EXPECT_HAS(message, "is malformed: its wprun_plugin_info has struct_size 8");
}

TEST(PluginLibrary, InfoAbiDifferentFromTheExportedOneIsMalformed) {
    std::string message = load_error(fixture("bad_info_abi"));
    EXPECT_HAS(message, "is malformed: its info says ABI 1.5 but it exports " + host_abi());
}

TEST(PluginLibrary, ProcessorWithoutNameIsMalformed) {
    std::string message = load_error(fixture("no_name"));
    EXPECT_HAS(message, fixture("no_name").filename().string());
    EXPECT_HAS(message, "is malformed: processor #0 has no name");
}

TEST(PluginLibrary, ProcessorWithoutProcessIsMalformed) {
    std::string message = load_error(fixture("no_process"));
    EXPECT_HAS(message,
               "is malformed: processor 'fixture_handmade' lacks one of the required functions");
}

TEST(PluginLibrary, ProcessorListedTwiceIsMalformed) {
    std::string message = load_error(fixture("twice"));
    EXPECT_HAS(message, "is malformed: it provides processor 'fixture_handmade' twice");
}

}  // namespace
}  // namespace wprun::plugin
