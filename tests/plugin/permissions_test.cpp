// A plugin that someone else could write (the file, or the folder it sits in) is refused, with
// the file and the fix named, like ssh's StrictModes. Fixtures are copied into scratch folders
// whose modes the tests set, so the outcome does not depend on the umask.
#include "plugin/permissions.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "fixture_support.h"
#include "plugin/library.h"
#include "plugin/registry.h"

namespace wprun::plugin {
namespace {

namespace fs = std::filesystem;
using fixtures::fixture;
using fixtures::noop_host;
using fixtures::plugin_error;
using fixtures::scratch_dir;

constexpr auto safe_dir = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                          fs::perms::others_read | fs::perms::others_exec;

/// A copy of the "good" fixture in `folder` (mode 0755), with the file's mode 0755.
fs::path copy_good(const fs::path& folder) {
    fs::permissions(folder, safe_dir);
    fs::path out = folder / "libgood.so";
    fs::copy_file(fixture("good"), out);
    fs::permissions(out, safe_dir);
    return out;
}

std::string refusal(const fs::path& file) {
    return plugin_error([&] { library::load(file, noop_host()); });
}

TEST(PluginPermissions, TheBuiltFixturesAreSafe) {
    EXPECT_EQ(unsafe_plugin_file(fixture("good")), std::nullopt);
}

TEST(PluginPermissions, ASafeCopyLoads) {
    scratch_dir dir;
    library lib = library::load(copy_good(dir.path()), noop_host());
    EXPECT_STREQ(lib.info().name, "fixture_good");
}

TEST(PluginPermissions, AFileWritableByOthersIsRefused) {
    scratch_dir dir;
    fs::path file = copy_good(dir.path());
    fs::permissions(file, fs::perms::others_write, fs::perm_options::add);
    std::string message = refusal(file);
    EXPECT_HAS(message, "refusing to load plugin '" + file.string() + "'");
    EXPECT_HAS(message, "is writable by other users (mode 0757)");
    EXPECT_HAS(message, "run `chmod go-w '" + file.string() + "'`");
}

TEST(PluginPermissions, AFileWritableByItsGroupIsRefused) {
    scratch_dir dir;
    fs::path file = copy_good(dir.path());
    fs::permissions(file, fs::perms::group_write, fs::perm_options::add);
    EXPECT_HAS(refusal(file), "is writable by its group (mode 0775)");
}

TEST(PluginPermissions, AFolderWritableByOthersIsRefused) {
    scratch_dir dir;
    fs::path folder = dir.subdir("plugins");
    fs::path file = copy_good(folder);
    fs::permissions(folder, fs::perms::others_write, fs::perm_options::add);
    std::string message = refusal(file);
    EXPECT_HAS(message, "the plugin's folder '" + folder.string() + "' is writable by other users");
    EXPECT_HAS(message, "chmod go-w '" + folder.string() + "'");
}

TEST(PluginPermissions, ALinkToAFileInAnUnsafeFolderIsRefused) {
    scratch_dir dir;
    fs::path unsafe_folder = dir.subdir("unsafe");
    fs::path real = copy_good(unsafe_folder);
    fs::permissions(unsafe_folder, fs::perms::others_write, fs::perm_options::add);
    fs::path safe_folder = dir.subdir("safe");
    fs::permissions(safe_folder, safe_dir);
    fs::create_symlink(real, safe_folder / "libgood.so");
    EXPECT_HAS(refusal(safe_folder / "libgood.so"), "'" + unsafe_folder.string() + "'");
}

TEST(PluginPermissions, AFileOwnedByAnotherUserIsRefused) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a file away";
    scratch_dir dir;
    fs::path file = copy_good(dir.path());
    ASSERT_EQ(::chown(file.c_str(), 4242, 4242), 0);
    EXPECT_HAS(refusal(file), "is owned by another user (uid 4242)");
}

TEST(PluginPermissions, AScanSkipsAnUnsafePluginWithAWarning) {
    scratch_dir dir;
    fs::path file = copy_good(dir.path());
    fs::permissions(file, fs::perms::others_write, fs::perm_options::add);
    registry reg(noop_host());
    diagnostics diags;
    reg.scan({dir.path()}, diags);
    EXPECT_EQ(reg.find("fixture_upper"), nullptr);
    ASSERT_EQ(reg.load_failures().size(), 1u);
    EXPECT_HAS(reg.load_failures()[0].message, "chmod go-w");
}

}  // namespace
}  // namespace wprun::plugin
