#include "io/null_sink.h"

#include <gtest/gtest.h>

#include "io/sink_items.h"

namespace wprun::io {
namespace {

TEST(NullSink, DiscardsItemsAndFailures) {
    auto sink = make_null_sink({}, {});
    auto errors = make_null_error_sink({}, {});
    auto it = testing::make_item(0, "x");
    EXPECT_NO_THROW(sink->write(it));
    EXPECT_NO_THROW(errors->write({it, "s", "m"}));
    sink->close();
    errors->close();
}

TEST(NullSink, DeclaresOnlyTheEngineFields) {
    ASSERT_EQ(null_sink_schema().size(), 2u);
    EXPECT_EQ(null_sink_schema()[0].name, "ordered");
    EXPECT_TRUE(null_error_sink_schema().empty());
}

}  // namespace
}  // namespace wprun::io
