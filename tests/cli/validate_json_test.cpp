#include "cli/validate_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace wprun::cli {
namespace {

TEST(ValidateJson, ListsFilesAndProblemsWithLocationSeverityAndCode) {
    validated_file good{"good.yaml", 2, {}};
    good.problems.warning({"good.yaml", 5, 14}, "too many workers", "workers-above-cores");
    validated_file bad{"bad.yaml", std::nullopt, {}};
    bad.problems.error({"bad.yaml", 3, 7}, "unknown key 'wrokers'");
    bad.problems.error({}, "a plugin could not be loaded");
    auto j = nlohmann::json::parse(validate_json({good, bad}));
    EXPECT_EQ(j.at("schema"), "wprun.validate/1");
    EXPECT_FALSE(j.at("ok").get<bool>());
    EXPECT_EQ(j.at("errors"), 2);
    EXPECT_EQ(j.at("warnings"), 1);
    EXPECT_EQ(j.at("files").at(0).at("stages"), 2);
    EXPECT_TRUE(j.at("files").at(1).at("stages").is_null());
    EXPECT_FALSE(j.at("files").at(1).at("ok").get<bool>());
    const auto& w = j.at("problems").at(0);
    EXPECT_EQ(w.at("file"), "good.yaml");
    EXPECT_EQ(w.at("line"), 5);
    EXPECT_EQ(w.at("column"), 14);
    EXPECT_EQ(w.at("severity"), "warning");
    EXPECT_EQ(w.at("code"), "workers-above-cores");
    EXPECT_EQ(j.at("problems").at(1).at("severity"), "error");
    EXPECT_TRUE(j.at("problems").at(1).at("code").is_null());
    // A problem without a place names the file being checked, with null line and column.
    EXPECT_EQ(j.at("problems").at(2).at("file"), "bad.yaml");
    EXPECT_TRUE(j.at("problems").at(2).at("line").is_null());
}

TEST(ValidateJson, NoProblemsIsOk) {
    auto j = nlohmann::json::parse(validate_json({{"a.yaml", 1, {}}}));
    EXPECT_TRUE(j.at("ok").get<bool>());
    EXPECT_EQ(j.at("problems").size(), 0u);
}

}  // namespace
}  // namespace wprun::cli
