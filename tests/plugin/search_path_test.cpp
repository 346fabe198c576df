#include "plugin/search_path.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "plugin/fixture_support.h"

namespace wprun::plugin {
namespace {

namespace fs = std::filesystem;
using fixtures::fixture;
using fixtures::plugin_error;
using fixtures::scratch_dir;

/// Each test starts with WPRUN_PLUGIN_PATH unset and leaves it as it found it.
class PluginSearchPath : public ::testing::Test {
protected:
    void SetUp() override {
        if (const char* v = std::getenv("WPRUN_PLUGIN_PATH")) saved_ = v;
        ::unsetenv("WPRUN_PLUGIN_PATH");
    }
    void TearDown() override {
        if (saved_)
            ::setenv("WPRUN_PLUGIN_PATH", saved_->c_str(), 1);
        else
            ::unsetenv("WPRUN_PLUGIN_PATH");
    }
    static void set_env(const std::string& value) {
        ::setenv("WPRUN_PLUGIN_PATH", value.c_str(), 1);
    }

    /// The default folders that exist, as plugin_search_path reports them.
    static std::vector<fs::path> existing_defaults() {
        std::vector<fs::path> out;
        for (const fs::path& p : default_plugin_dirs())
            if (fs::exists(p)) out.push_back(fs::canonical(p));
        return out;
    }
    static std::vector<fs::path> with_defaults(std::vector<fs::path> head) {
        for (fs::path& p : existing_defaults())
            if (std::find(head.begin(), head.end(), p) == head.end()) head.push_back(p);
        return head;
    }

    scratch_dir tmp_;

private:
    std::optional<std::string> saved_;
};

TEST_F(PluginSearchPath, WithNothingGivenIsTheExistingDefaultFolders) {
    EXPECT_EQ(plugin_search_path({}), existing_defaults());
}

TEST_F(PluginSearchPath, CliPathsComeFirstInTheOrderGiven) {
    fs::path a = tmp_.subdir("a"), b = tmp_.subdir("b");
    EXPECT_EQ(plugin_search_path({b.string(), a.string()}), with_defaults({b, a}));
}

TEST_F(PluginSearchPath, CliPathMayBeASingleLibraryFile) {
    fs::path good = fs::canonical(fixture("good"));
    EXPECT_EQ(plugin_search_path({good.string()}), with_defaults({good}));
}

TEST_F(PluginSearchPath, MissingCliPathIsAPluginError) {
    std::string missing = (tmp_.path() / "nowhere").string();
    std::string message = plugin_error([&] { plugin_search_path({missing}); });
    EXPECT_NE(message.find("plugin path '" + missing + "' does not exist"), std::string::npos)
        << message;
}

TEST_F(PluginSearchPath, EnvironmentEntriesFollowCliPathsInTheirOrder) {
    fs::path a = tmp_.subdir("a"), c = tmp_.subdir("c"), d = tmp_.subdir("d");
    set_env(d.string() + ":" + c.string());
    EXPECT_EQ(plugin_search_path({a.string()}), with_defaults({a, d, c}));
}

TEST_F(PluginSearchPath, MissingAndEmptyEnvironmentEntriesAreSkipped) {
    fs::path c = tmp_.subdir("c");
    set_env((tmp_.path() / "gone").string() + "::" + c.string() + ":");
    EXPECT_EQ(plugin_search_path({}), with_defaults({c}));
}

TEST_F(PluginSearchPath, RelativeEntriesAreMadeCanonical) {
    fs::path a = tmp_.subdir("a");
    fs::path relative = fs::relative(a, fs::current_path());
    EXPECT_EQ(plugin_search_path({relative.string()}), with_defaults({a}));
}

TEST_F(PluginSearchPath, DuplicatesKeepTheirFirstPlace) {
    fs::path a = tmp_.subdir("a"), b = tmp_.subdir("b");
    fs::path a_link = tmp_.link("a_link", a);
    set_env(b.string() + ":" + a_link.string() + ":" + b.string());
    EXPECT_EQ(plugin_search_path({a.string(), (a / "." / "").string()}), with_defaults({a, b}));
}

TEST_F(PluginSearchPath, ExistingDefaultFolderIsNotRepeatedWhenGivenFirst) {
    std::vector<fs::path> defaults = existing_defaults();
    if (defaults.empty()) GTEST_SKIP() << "no default plugin folder exists in this build";
    set_env(defaults.back().string());
    std::vector<fs::path> got = plugin_search_path({});
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.front(), defaults.back());
    EXPECT_EQ(got.size(), defaults.size());
}

TEST(PluginDefaultDirs, FolderBesideTheBinaryAloneWhenItExists) {
    // The test binary sits in the build tree's bin/, like wprun itself; the install folder is
    // left out so that a build-tree wprun never sees an installed copy's plugins twice.
    fs::create_directories(WPRUN_TEST_PLUGIN_OUTPUT_DIR);
    std::vector<fs::path> dirs = default_plugin_dirs();
    ASSERT_EQ(dirs.size(), 1u);
    EXPECT_EQ(dirs[0], fs::path(WPRUN_TEST_PLUGIN_OUTPUT_DIR).lexically_normal());
}

TEST(PluginDefaultDirs, DefaultFolderIsAbsoluteAndNamedPlugins) {
    std::vector<fs::path> dirs = default_plugin_dirs();
    ASSERT_EQ(dirs.size(), 1u);
    EXPECT_TRUE(dirs[0].is_absolute());
    EXPECT_EQ(dirs[0].filename(), "plugins");
}

}  // namespace
}  // namespace wprun::plugin
