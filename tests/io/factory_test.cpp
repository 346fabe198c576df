#include "io/factory.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "detail/error.h"
#include "io/sink_items.h"
#include "io/temp_dir.h"

namespace wprun::io {
namespace {

using testing::read_file;
using testing::temp_dir;

engine::io_spec spec_of(std::string type, std::vector<std::pair<std::string, std::string>> opts) {
    engine::io_spec spec;
    spec.type = std::move(type);
    spec.where = {"pipe.yaml", 2, 3};
    for (auto& [k, v] : opts) spec.opts.set(k, v, location{"pipe.yaml", 4, 9});
    return spec;
}

TEST(Factory, UnknownTypeHasNoSchema) {
    EXPECT_EQ(source_schema("nope"), nullptr);
    EXPECT_EQ(sink_schema("range"), nullptr);
    EXPECT_EQ(error_sink_schema("files"), nullptr);
}

TEST(Factory, ListsEveryType) {
    EXPECT_EQ(source_types(),
              (std::vector<std::string>{"range", "lines", "files", "jsonl", "redis"}));
    EXPECT_EQ(sink_types(), (std::vector<std::string>{"lines", "jsonl", "files", "null", "redis"}));
    EXPECT_EQ(error_sink_types(), (std::vector<std::string>{"jsonl", "null"}));
}

TEST(Factory, CheckSourceFindsABadLinesKeyRegexAtItsValueWithoutOpeningTheFile) {
    diagnostics diags;
    check_source(spec_of("lines", {{"path", "/no/such/file"}, {"key", "^(\\w+"}}), diags);
    ASSERT_EQ(diags.items().size(), 1u);
    EXPECT_EQ(diags.items()[0].where.str(), "pipe.yaml:4:9");
    EXPECT_NE(diags.items()[0].message.find("`key` is not a regular expression"),
              std::string::npos);
}

TEST(Factory, CheckSourceFindsABadJsonlPointer) {
    diagnostics diags;
    check_source(spec_of("jsonl", {{"path", "/no/such/file"}, {"key", "id"}}), diags);
    ASSERT_EQ(diags.items().size(), 1u);
    EXPECT_NE(diags.items()[0].message.find("`key` is not a JSON Pointer"), std::string::npos);
}

TEST(Factory, CheckSourceAcceptsGoodOptions) {
    diagnostics diags;
    check_source(spec_of("lines", {{"path", "/no/such/file"}, {"key", "^(\\w+)"}}), diags);
    check_source(spec_of("jsonl", {{"path", "/no/such/file"}, {"key", "/id"}}), diags);
    check_source(spec_of("range", {{"count", "3"}}), diags);
    EXPECT_TRUE(diags.items().empty());
}

TEST(Factory, EveryTypeHasADescribedSchema) {
    for (const auto& t : source_types())
        for (const auto& f : *source_schema(t)) EXPECT_FALSE(f.description.empty()) << t << f.name;
    for (const auto& t : sink_types()) {
        const auto* schema = sink_schema(t);
        ASSERT_NE(schema, nullptr);
        bool ordered = false;
        for (const auto& f : *schema) ordered |= f.name == "ordered";
        EXPECT_TRUE(ordered) << t;
    }
    for (const auto& t : error_sink_types()) EXPECT_NE(error_sink_schema(t), nullptr);
}

TEST(Factory, MissingInputFileIsAUsageErrorNamingThePath) {
    temp_dir dir;
    for (std::string type : {"lines", "jsonl"}) {
        try {
            make_source(spec_of(type, {{"path", "data/missing.txt"}}), dir.path());
            FAIL() << "expected startup_error for " << type;
        } catch (const startup_error& e) {
            EXPECT_EQ(e.code(), exit_code::usage);
            std::string what = e.what();
            EXPECT_NE(what.find((dir / "data/missing.txt").string()), std::string::npos) << what;
            EXPECT_NE(what.find("pipe.yaml:4:9"), std::string::npos) << what;
        }
    }
}

TEST(Factory, UnknownTypeIsAUsageErrorListingTheKnownOnes) {
    try {
        make_sink(spec_of("csv", {}), {});
        FAIL() << "expected startup_error";
    } catch (const startup_error& e) {
        EXPECT_EQ(e.code(), exit_code::usage);
        std::string what = e.what();
        EXPECT_NE(what.find("pipe.yaml:2:3"), std::string::npos) << what;
        EXPECT_NE(what.find("lines, jsonl, files, null"), std::string::npos) << what;
    }
}

TEST(Factory, MissingRequiredOptionIsAUsageError) {
    EXPECT_THROW(make_source(spec_of("range", {}), {}), startup_error);
}

TEST(Factory, BuildsASourceAndSinksThatWork) {
    temp_dir dir;
    auto src = make_source(spec_of("range", {{"count", "2"}, {"start", "40"}}), {});
    auto sink = make_sink(spec_of("lines", {{"path", "out.txt"}}), dir.path());
    auto errors = make_error_sink(spec_of("null", {}), dir.path());
    std::vector<engine::item> items(4);
    size_t n = src->read(items.data(), items.size());
    for (size_t i = 0; i < n; ++i) sink->write(items[i]);
    sink->close();
    errors->close();
    EXPECT_EQ(read_file(dir / "out.txt"), "40\n41\n");
}

}  // namespace
}  // namespace wprun::io
