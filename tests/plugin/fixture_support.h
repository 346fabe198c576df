// fixture_support: what the plugin tests share: a no-op host table, the fixture libraries'
// paths, a scratch folder and a way to catch a start-up error's exit code and message.
// Single-threaded test code.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>
#include <wprun/plugin_abi.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>

#include "detail/error.h"

/// Expects `words` in `message`, printing the whole message when they are missing.
#define EXPECT_HAS(message, words) \
    EXPECT_NE((message).find(words), std::string::npos) << "message: " << (message)

namespace wprun::plugin::fixtures {

/// A host services table whose functions do nothing: loading never calls them.
inline const wprun_host_api* noop_host() {
    static const wprun_host_api host = {
        sizeof(wprun_host_api),
        WPRUN_ABI_VERSION,
        [](const wprun_stage_context*, wprun_log_level, const char*, size_t) {},
        [](wprun_emitter*, const char*, size_t) { return 0; },
        [](wprun_emitter*, size_t) {},
        [](const wprun_emitter*) { return 0; },
        [](const wprun_emitter*) { return uint64_t{0}; },
    };
    return &host;
}

inline std::filesystem::path fixture_dir() { return WPRUN_TEST_FIXTURE_DIR; }

/// The fixture library built from tests/plugin/fixtures as plugin_fixture(<name> ...).
inline std::filesystem::path fixture(const std::string& name) {
    return fixture_dir() / ("libwprun_plugin_fixture_" + name + ".so");
}

/// A fresh folder under the system's temporary folder, removed with everything in it.
class scratch_dir {
public:
    scratch_dir() {
        static std::atomic<int> counter{0};
        path_ =
            std::filesystem::temp_directory_path() /
            ("wprun_plugin_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        std::filesystem::create_directories(path_);
        // 0755 whatever the umask: the loader refuses plugins in group- or world-writable folders.
        std::filesystem::permissions(path_, safe_folder);
    }
    ~scratch_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    scratch_dir(const scratch_dir&) = delete;
    scratch_dir& operator=(const scratch_dir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    /// Makes `path()/name` a link to `target` and returns it.
    std::filesystem::path link(const std::string& name, const std::filesystem::path& target) const {
        std::filesystem::create_symlink(target, path_ / name);
        return path_ / name;
    }
    std::filesystem::path subdir(const std::string& name) const {
        std::filesystem::create_directories(path_ / name);
        std::filesystem::permissions(path_ / name, safe_folder);
        return std::filesystem::canonical(path_ / name);
    }

private:
    static constexpr auto safe_folder =
        std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
        std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
        std::filesystem::perms::others_exec;
    std::filesystem::path path_;
};

/// Runs `fn`, expecting startup_error(exit_code::plugin); returns its message ("" otherwise).
inline std::string plugin_error(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const startup_error& e) {
        EXPECT_EQ(e.code(), exit_code::plugin);
        return e.problems().items().empty() ? e.what() : e.problems().items().front().message;
    }
    ADD_FAILURE() << "expected a startup_error";
    return {};
}

}  // namespace wprun::plugin::fixtures
