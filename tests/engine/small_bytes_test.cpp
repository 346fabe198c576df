#include "engine/small_bytes.h"

#include <gtest/gtest.h>

#include <string>

namespace wprun::engine {
namespace {

TEST(SmallBytes, KeepsShortAndLongContent) {
    small_bytes a("short");
    small_bytes b(std::string(1000, 'y'));
    EXPECT_EQ(a.view(), "short");
    EXPECT_EQ(b.view(), std::string(1000, 'y'));
}

TEST(SmallBytes, MoveLeavesTheSourceEmptyAndKeepsContent) {
    small_bytes a(std::string(100, 'z'));
    small_bytes b(std::move(a));
    EXPECT_EQ(b.size(), 100u);
    EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): documented moved-from state
    small_bytes c("tiny");
    small_bytes d(std::move(c));
    EXPECT_EQ(d.view(), "tiny");
}

TEST(SmallBytes, AssignReusesTheHeapBuffer) {
    small_bytes a(std::string(100, 'a'));
    const char* before = a.data();
    a.assign(std::string(60, 'b'));
    EXPECT_EQ(a.data(), before);
    EXPECT_EQ(a.view(), std::string(60, 'b'));
}

TEST(SmallBytes, CopyIsDeep) {
    small_bytes a(std::string(100, 'a'));
    small_bytes b(a);
    b.assign("x");
    EXPECT_EQ(a.size(), 100u);
    EXPECT_EQ(b.view(), "x");
}

}  // namespace
}  // namespace wprun::engine
