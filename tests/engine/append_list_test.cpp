#include "engine/append_list.h"

#include <gtest/gtest.h>

#include <string>

namespace wprun::engine {
namespace {

TEST(AppendList, KeepsEveryElementInPlaceAcrossSegments) {
    append_list<std::string> list;
    std::string* first = nullptr;
    for (int i = 0; i < 1000; ++i) {
        list.prepare() = std::to_string(i);
        list.publish();
        if (i == 0) first = &list[0];
    }
    ASSERT_EQ(list.size(), 1000u);
    EXPECT_EQ(&list[0], first);  // elements never move
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(list[static_cast<size_t>(i)], std::to_string(i));
}

TEST(AppendList, ADiscardedElementIsNeverSeen) {
    append_list<int> list;
    list.prepare() = 1;
    list.discard();
    EXPECT_EQ(list.size(), 0u);
    list.prepare() = 2;
    list.publish();
    EXPECT_EQ(list[0], 2);
}

}  // namespace
}  // namespace wprun::engine
