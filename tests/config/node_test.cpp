#include "config/node.h"

#include <gtest/gtest.h>

#include <string>

namespace wprun::config {
namespace {

std::string first_error(std::string_view yaml, const parse_limits& limits = {}) {
    diagnostics diags;
    auto root = parse_yaml(yaml, "p.yaml", diags, limits);
    EXPECT_FALSE(root);
    return diags.items().empty() ? "" : diags.items().front().str();
}

/// Nine levels of ten aliases each: a billion values once expanded.
std::string alias_bomb() {
    std::string yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 10; ++i) {
        std::string prev = "*a" + std::to_string(i - 1);
        yaml += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
        for (int j = 0; j < 10; ++j) yaml += (j ? ", " : "") + prev;
        yaml += "]\n";
    }
    return yaml;
}

TEST(ParseYaml, LocatesKeysAndValuesOneBased) {
    diagnostics diags;
    auto root = parse_yaml("name: x\nsource:\n  count: 10\n", "p.yaml", diags);
    ASSERT_TRUE(root);
    const node* count = root->find("source")->find("count");
    EXPECT_EQ(count->key_where.str(), "p.yaml:3:3");
    EXPECT_EQ(count->where.str(), "p.yaml:3:10");
    EXPECT_EQ(count->text, "10");
}

TEST(ParseYaml, PlacesAnEmptyValueAtItsKey) {
    diagnostics diags;
    auto root = parse_yaml("a:\nb: 1\n", "p.yaml", diags);
    ASSERT_TRUE(root);
    EXPECT_EQ(root->find("a")->kind, node_kind::null);
    EXPECT_EQ(root->find("a")->where.str(), "p.yaml:1:1");
}

TEST(ParseYaml, KeepsAWrittenNullAsText) {
    diagnostics diags;
    auto root = parse_yaml("sink: {type: null}\na: ~\nb:\nnull: 1\n", "p.yaml", diags);
    ASSERT_TRUE(root);
    EXPECT_EQ(root->find("sink")->find("type")->text, "null");
    EXPECT_EQ(root->find("a")->text, "~");
    EXPECT_EQ(root->find("b")->kind, node_kind::null);
}

TEST(ParseYaml, ReportsSyntaxErrorsOneBased) {
    EXPECT_EQ(first_error("a: [1,\nb: 2"),
              "p.yaml:2:1: error: YAML syntax: end of sequence flow not found");
}

TEST(ParseYaml, ReportsADuplicateKeyAtTheSecondOne) {
    EXPECT_EQ(first_error("a: 1\nb: 2\na: 3\n"),
              "p.yaml:3:1: error: duplicate key 'a' (first at p.yaml:1:1)");
}

TEST(ParseYaml, RefusesAnAliasBomb) {
    EXPECT_NE(first_error(alias_bomb()).find("expands to more than 100000 values"),
              std::string::npos);
}

TEST(ParseYaml, ExpandsModestAliases) {
    diagnostics diags;
    auto root = parse_yaml("a: &x {k: v}\nb: *x\n", "p.yaml", diags);
    ASSERT_TRUE(root);
    EXPECT_EQ(root->find("b")->find("k")->text, "v");
}

TEST(ParseYaml, RefusesDeepNesting) {
    std::string yaml(100, '[');
    yaml += std::string(100, ']');
    EXPECT_NE(first_error(yaml, {.max_nodes = 1000, .max_depth = 64}).find("nested more than 64"),
              std::string::npos);
}

TEST(ParseYaml, ExpandsEnvironmentVariablesInValues) {
    diagnostics diags;
    auto root = parse_yaml("a: ${WPRUN_NODE_TEST_UNSET:-dflt}\n", "p.yaml", diags);
    ASSERT_TRUE(root);
    EXPECT_EQ(root->find("a")->text, "dflt");
}

TEST(ParseYaml, ReportsAnUnsetVariableAtItsValue) {
    EXPECT_EQ(first_error("a:\n  b: x${WPRUN_NODE_TEST_UNSET}\n"),
              "p.yaml:2:6: error: environment variable 'WPRUN_NODE_TEST_UNSET' is not set");
}

TEST(ParseYaml, ReadsAnEmptyDocumentAsAnEmptyValue) {
    diagnostics diags;
    auto root = parse_yaml("", "p.yaml", diags);
    ASSERT_TRUE(root);
    EXPECT_EQ(root->kind, node_kind::null);
}

}  // namespace
}  // namespace wprun::config
