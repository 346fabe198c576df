#include "config/options_check.h"

#include <gtest/gtest.h>

namespace wprun::config {
namespace {

using engine::field_schema;

const location owner{"p.yaml", 3, 5};

engine::options one(std::string name, std::string value) {
    engine::options opts;
    opts.items.push_back({std::move(name), std::move(value), {"p.yaml", 4, 14}, {"p.yaml", 4, 7}});
    return opts;
}

field_schema field(std::string name, wprun_value_type type, const char* def = nullptr) {
    field_schema f;
    f.name = std::move(name);
    f.type = type;
    if (def) f.default_value = def;
    return f;
}

/// Runs check_options on one option of one type; the canonical value, or "!" + first message.
std::string check_one(wprun_value_type type, std::string value) {
    auto opts = one("x", std::move(value));
    diagnostics diags;
    check_options(opts, {field("x", type)}, "stage 'hash' config", owner, diags);
    if (diags.has_errors()) return "!" + diags.items().front().message;
    return opts.items.front().value;
}

TEST(CheckOptions, CanonicalizesIntegers) {
    EXPECT_EQ(check_one(WPRUN_TYPE_INT, "42"), "42");
    EXPECT_EQ(check_one(WPRUN_TYPE_INT, "-7"), "-7");
    EXPECT_EQ(check_one(WPRUN_TYPE_INT, "+007"), "7");
}

TEST(CheckOptions, RejectsIntegersOutOfRangeOrMalformed) {
    for (const char* bad : {"9223372036854775808", "1.5", "ten", "", "1e3"})
        EXPECT_EQ(check_one(WPRUN_TYPE_INT, bad).substr(0, 1), "!") << bad;
}

TEST(CheckOptions, CanonicalizesFloats) {
    EXPECT_EQ(check_one(WPRUN_TYPE_FLOAT, "0.50"), "0.5");
    EXPECT_EQ(check_one(WPRUN_TYPE_FLOAT, "1e3"), "1000");
    EXPECT_EQ(check_one(WPRUN_TYPE_FLOAT, "-2"), "-2");
}

TEST(CheckOptions, RejectsNonFiniteFloats) {
    EXPECT_EQ(check_one(WPRUN_TYPE_FLOAT, "nan").substr(0, 1), "!");
    EXPECT_EQ(check_one(WPRUN_TYPE_FLOAT, "inf").substr(0, 1), "!");
}

TEST(CheckOptions, AcceptsOnlyTrueAndFalseAsBooleans) {
    EXPECT_EQ(check_one(WPRUN_TYPE_BOOL, "true"), "true");
    EXPECT_EQ(check_one(WPRUN_TYPE_BOOL, "false"), "false");
    EXPECT_EQ(check_one(WPRUN_TYPE_BOOL, "yes"),
              "!stage 'hash' config: option 'x' expects true or false, got 'yes'");
}

TEST(CheckOptions, ConvertsDurationsToNanoseconds) {
    EXPECT_EQ(check_one(WPRUN_TYPE_DURATION, "250ms"), "250000000");
}

TEST(CheckOptions, ConvertsSizesToBytes) {
    EXPECT_EQ(check_one(WPRUN_TYPE_SIZE, "8MiB"), "8388608");
}

TEST(CheckOptions, KeepsStringsAsWritten) {
    EXPECT_EQ(check_one(WPRUN_TYPE_STRING, " spaced 10ms "), " spaced 10ms ");
}

TEST(CheckOptions, ReportsABadValueAtTheValueWithTypeAndExample) {
    auto opts = one("timeout", "soon");
    diagnostics diags;
    check_options(opts, {field("timeout", WPRUN_TYPE_DURATION)}, "stage 'hash' config", owner,
                  diags);
    ASSERT_EQ(diags.items().size(), 1u);
    EXPECT_EQ(diags.items()[0].str(),
              "p.yaml:4:14: error: stage 'hash' config: option 'timeout' expects a duration with a "
              "unit: ns, us, ms, s, m or h (e.g. 250ms, 1.5s), got 'soon'");
}

TEST(CheckOptions, ReportsAnUnknownKeyAtTheKeyWithASuggestion) {
    auto opts = one("rouns", "5");
    diagnostics diags;
    check_options(opts, {field("rounds", WPRUN_TYPE_INT), field("seed", WPRUN_TYPE_INT)},
                  "stage 'hash' config", owner, diags);
    ASSERT_EQ(diags.items().size(), 1u);
    EXPECT_EQ(diags.items()[0].str(),
              "p.yaml:4:7: error: unknown key 'rouns' in stage 'hash' config; did you mean "
              "'rounds'? (valid keys: rounds, seed)");
}

TEST(CheckOptions, ReportsAMissingRequiredFieldAtTheOwner) {
    engine::options opts;
    auto f = field("count", WPRUN_TYPE_INT);
    f.required = true;
    f.description = "how many items";
    diagnostics diags;
    check_options(opts, {f}, "source 'range'", owner, diags);
    ASSERT_EQ(diags.items().size(), 1u);
    EXPECT_EQ(diags.items()[0].str(),
              "p.yaml:3:5: error: source 'range': missing required option 'count' (how many "
              "items), an integer (e.g. 10)");
}

TEST(CheckOptions, FillsCanonicalDefaultsAtTheOwner) {
    engine::options opts;
    diagnostics diags;
    check_options(opts, {field("delay", WPRUN_TYPE_DURATION, "10ms")}, "stage 's' config", owner,
                  diags);
    EXPECT_FALSE(diags.has_errors());
    ASSERT_EQ(opts.items.size(), 1u);
    EXPECT_EQ(opts.get_duration_ns("delay"), 10'000'000);
    EXPECT_EQ(opts.items[0].where.str(), "p.yaml:3:5");
}

TEST(CheckOptions, LeavesOptionalFieldsWithoutDefaultUnset) {
    engine::options opts;
    diagnostics diags;
    check_options(opts, {field("seed", WPRUN_TYPE_INT)}, "stage 's' config", owner, diags);
    EXPECT_FALSE(diags.has_errors());
    EXPECT_TRUE(opts.items.empty());
}

TEST(CheckOptions, DoesNotOverrideASetValueWithTheDefault) {
    auto opts = one("delay", "1s");
    diagnostics diags;
    check_options(opts, {field("delay", WPRUN_TYPE_DURATION, "10ms")}, "stage 's' config", owner,
                  diags);
    ASSERT_EQ(opts.items.size(), 1u);
    EXPECT_EQ(opts.items[0].value, "1000000000");
}

TEST(CheckOptions, ReportsAnInvalidDefaultAsADeclarationBug) {
    engine::options opts;
    diagnostics diags;
    check_options(opts, {field("n", WPRUN_TYPE_INT, "many")}, "stage 's' config", owner, diags);
    ASSERT_EQ(diags.items().size(), 1u);
    EXPECT_NE(diags.items()[0].message.find("the default 'many' of option 'n'"), std::string::npos);
}

}  // namespace
}  // namespace wprun::config
