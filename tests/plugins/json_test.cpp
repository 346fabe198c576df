#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/fake_host.h"

using wprun::testing::config_list;
using wprun::testing::fake_host;
using wprun::testing::fake_result;
using strings = std::vector<std::string>;

namespace {

const std::string record =
    R"({"id":7,"name":"ada","age":36,"score":9.5,"tags":["x","y"],"user":{"city":"Paris"},)"
    R"("active":true,"note":null})";

fake_result run(const config_list& config, const std::string& payload = record) {
    fake_host host;
    auto created = host.create("json", config);
    EXPECT_EQ(created.status, WPRUN_OK) << created.message;
    if (created.status != WPRUN_OK) return created;
    return host.process(payload);
}

strings outputs(const config_list& config, const std::string& payload = record) {
    auto r = run(config, payload);
    EXPECT_EQ(r.status, WPRUN_OK) << r.message;
    return r.outputs;
}

bool kept(const std::string& filter, const std::string& payload = record) {
    auto out = outputs({{"filter", filter}}, payload);
    EXPECT_LE(out.size(), 1u);
    return out.size() == 1;
}

std::string config_error(const config_list& config) {
    fake_host host;
    auto r = host.create("json", config);
    EXPECT_EQ(r.status, WPRUN_INVALID_CONFIG);
    return r.message;
}

}  // namespace

TEST(Json, PassesValidJsonThroughUnchangedWithNoOption) {
    EXPECT_EQ(outputs({}, R"( {"a" : 1} )"), strings{R"( {"a" : 1} )"});
}

TEST(Json, RejectsMalformedJsonWithThePositionOfTheBadByte) {
    auto r = run({}, R"({"a":1,"b":})");
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_NE(r.message.find("malformed JSON at byte 12"), std::string::npos) << r.message;
}

TEST(Json, RejectsTruncatedJsonAtItsEnd) {
    auto r = run({}, R"({"a":"bc)");
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_NE(r.message.find("at byte 9:"), std::string::npos) << r.message;
}

TEST(Json, RejectsAnEmptyItemAtByteOne) {
    auto r = run({}, "");
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_NE(r.message.find("at byte 1"), std::string::npos) << r.message;
}

TEST(Json, RejectsTrailingContent) {
    auto r = run({}, R"({"a":1} x)");
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_NE(r.message.find("at byte 9"), std::string::npos) << r.message;
}

TEST(JsonGet, EmitsAStringsTextAndOtherValuesAsJson) {
    EXPECT_EQ(outputs({{"get", "/name"}}), strings{"ada"});
    EXPECT_EQ(outputs({{"get", "/user"}}), strings{R"({"city":"Paris"})"});
    EXPECT_EQ(outputs({{"get", "/tags/1"}}), strings{"y"});
    EXPECT_EQ(outputs({{"get", "/age"}}), strings{"36"});
    EXPECT_EQ(outputs({{"get", "/note"}}), strings{"null"});
}

TEST(JsonGet, FollowsPointerEscapes) {
    EXPECT_EQ(outputs({{"get", "/a~1b/c~0d"}}, R"({"a/b":{"c~d":"yes"}})"), strings{"yes"});
}

TEST(JsonGet, MissingValueRejectsByDefault) {
    auto r = run({{"get", "/nope"}});
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "json: no value at /nope");
}

TEST(JsonGet, MissingValueCanFilterOrEmitEmpty) {
    EXPECT_EQ(outputs({{"get", "/nope"}, {"missing", "filter"}}), strings{});
    EXPECT_EQ(outputs({{"get", "/nope"}, {"missing", "empty"}}), strings{""});
}

TEST(JsonFilter, ComparesNumbersByValue) {
    EXPECT_TRUE(kept("/age >= 36"));
    EXPECT_FALSE(kept("/age > 36"));
    EXPECT_TRUE(kept("/score < 10"));
    EXPECT_TRUE(kept("/score == 9.5"));
    EXPECT_TRUE(kept("/age == 36.0"));
}

TEST(JsonFilter, ComparesLargeIntegersExactly) {
    std::string big = R"({"id":9007199254740993})";
    EXPECT_FALSE(kept("/id == 9007199254740992", big));
    EXPECT_TRUE(kept("/id == 9007199254740993", big));
    EXPECT_TRUE(kept("/id < 18446744073709551615", big));
}

TEST(JsonFilter, ComparesStringsBoolsAndNull) {
    EXPECT_TRUE(kept(R"(/name == "ada")"));
    EXPECT_TRUE(kept(R"(/name < "bob")"));
    EXPECT_TRUE(kept("/active == true"));
    EXPECT_TRUE(kept("/note == null"));
    EXPECT_FALSE(kept(R"(/user/city != "Paris")"));
}

TEST(JsonFilter, TypeMismatchIsNotEqual) {
    EXPECT_FALSE(kept(R"(/age == "36")"));
    EXPECT_TRUE(kept(R"(/age != "36")"));
    EXPECT_FALSE(kept(R"(/name > 3)"));
}

TEST(JsonFilter, ExistsAndMissing) {
    EXPECT_TRUE(kept("/user/city exists"));
    EXPECT_FALSE(kept("/user/zip exists"));
    EXPECT_TRUE(kept("/user/zip missing"));
    EXPECT_TRUE(kept("/note exists"));
}

TEST(JsonFilter, AMissingFieldFailsComparisonsButNotInequality) {
    EXPECT_FALSE(kept("/nope == 1"));
    EXPECT_FALSE(kept("/nope < 1"));
    EXPECT_TRUE(kept("/nope != 1"));
}

TEST(JsonFilter, RegexSearchesStringFieldsOnly) {
    EXPECT_TRUE(kept(R"(/name ~ "^a.a$")"));
    EXPECT_FALSE(kept(R"(/name ~ "^b")"));
    EXPECT_FALSE(kept(R"(/age ~ "3")"));
}

TEST(JsonFilter, AllConditionsJoinedByAndMustHold) {
    EXPECT_TRUE(kept(R"(/age > 18 and /name ~ "a" and /tags exists)"));
    EXPECT_FALSE(kept(R"(/age > 18 and /name == "bob")"));
}

TEST(JsonFilter, KeepsTheItemAsWritten) {
    EXPECT_EQ(outputs({{"filter", "/a == 1"}}, R"({ "a": 1 })"), strings{R"({ "a": 1 })"});
}

TEST(JsonFilter, BadSyntaxNamesTheColumn) {
    EXPECT_EQ(config_error({{"filter", "/age => 3"}}),
              "json: 'filter' expected an operator (==, !=, <, <=, >, >=, ~, exists, missing) "
              "at column 6 of '/age => 3'");
    EXPECT_NE(config_error({{"filter", "age == 3"}}).find("expected a JSON Pointer"),
              std::string::npos);
    EXPECT_NE(config_error({{"filter", "/a == 1 or /b == 2"}}).find("expected 'and'"),
              std::string::npos);
    EXPECT_NE(config_error({{"filter", "/a == bob"}}).find("expected a JSON value"),
              std::string::npos);
    EXPECT_NE(config_error({{"filter", R"(/a ~ "(")"}}).find("invalid regex"), std::string::npos);
    EXPECT_NE(config_error({{"filter", "/a < true"}}).find("numbers or strings only"),
              std::string::npos);
}

TEST(JsonProject, KeepsNamedFieldsInDocumentOrder) {
    EXPECT_EQ(outputs({{"project", "/user/city, /id, /tags"}}),
              strings{R"({"id":7,"tags":["x","y"],"user":{"city":"Paris"}})"});
}

TEST(JsonProject, LeavesAbsentPathsOut) {
    EXPECT_EQ(outputs({{"project", "/id, /user/zip, /nope"}}), strings{R"({"id":7})"});
    EXPECT_EQ(outputs({{"project", "/nope"}}), strings{"{}"});
}

TEST(JsonProject, RejectsANonObject) {
    auto r = run({{"project", "/a"}}, "[1,2]");
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "json: project needs an object, got array");
}

TEST(JsonSet, ReplacesAndAddsFieldsKeepingTheRest) {
    EXPECT_EQ(outputs({{"set", R"(/b="two", /c/d=[1,{"e":null}])"}}, R"({"a":1,"b":2})"),
              strings{R"({"a":1,"b":"two","c":{"d":[1,{"e":null}]}})"});
}

TEST(JsonSet, SetsInsideExistingObjects) {
    EXPECT_EQ(outputs({{"set", "/user/zip=75001"}}, R"({"user":{"city":"Paris"}})"),
              strings{R"({"user":{"city":"Paris","zip":75001}})"});
}

TEST(JsonSet, EscapesKeysItWrites) {
    EXPECT_EQ(outputs({{"set", R"(/a~1\b=1)"}}, R"({"x\n\"":2})"),
              strings{R"({"x\n\"":2,"a/\\b":1})"});
}

TEST(JsonSet, RejectsSettingBelowANonObject) {
    auto r = run({{"set", "/tags/x=1"}});
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "json: cannot set below /tags: it is array, not an object");
}

TEST(JsonSet, BadValuesAndOverlapsAreConfigErrors) {
    EXPECT_NE(config_error({{"set", "/a=bob"}}).find("is not a JSON value"), std::string::npos);
    EXPECT_NE(config_error({{"set", "/a"}}).find("is not /pointer=value"), std::string::npos);
    EXPECT_NE(config_error({{"set", "/a=1, /a/b=2"}}).find("set already"), std::string::npos);
    EXPECT_NE(config_error({{"set", "a=1"}}).find("must start with /"), std::string::npos);
}

TEST(Json, StepsRunInOrderFilterProjectSetGet) {
    config_list all = {{"filter", "/age > 30"},
                       {"project", "/name, /user"},
                       {"set", R"(/user/seen=true)"},
                       {"get", "/user"}};
    EXPECT_EQ(outputs(all), strings{R"({"city":"Paris","seen":true})"});
    EXPECT_EQ(outputs({{"project", "/name"}, {"get", "/age"}, {"missing", "empty"}}), strings{""});
}

TEST(Json, FilteredItemsEmitNothing) {
    EXPECT_EQ(outputs({{"filter", "/age < 3"}, {"get", "/name"}}), strings{});
}

TEST(Json, UnknownMissingValueIsAConfigError) {
    EXPECT_EQ(config_error({{"missing", "skip"}}),
              "json: unknown missing 'skip' (valid: reject, filter, empty)");
}

TEST(Json, ReusesWorkerBuffersAcrossItemsOfDifferentSizes) {
    fake_host host;
    ASSERT_EQ(host.create("json", {{"get", "/v"}}).status, WPRUN_OK);
    EXPECT_EQ(host.process(R"({"v":")" + std::string(5000, 'x') + R"("})").outputs,
              strings{std::string(5000, 'x')});
    EXPECT_EQ(host.process(R"({"v":1})").outputs, strings{"1"});
    EXPECT_EQ(host.process(R"({"v":)").status, WPRUN_REJECT);
    EXPECT_EQ(host.process(R"({"v":2})").outputs, strings{"2"});
}

TEST(JsonFilter, RegexMayEscapeCharacters) {
    EXPECT_TRUE(kept(R"(/email ~ "@example\\.org$")", R"({"email":"ada@example.org"})"));
    EXPECT_FALSE(kept(R"(/email ~ "@example\\.org$")", R"({"email":"ada@exampleXorg"})"));
}
