#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/fake_host.h"
#include "support/http_test_server.h"

using wprun::testing::config_list;
using wprun::testing::fake_host;
using wprun::testing::fake_result;
using wprun::testing::http_test_server;
using strings = std::vector<std::string>;

namespace {

fake_result call(const config_list& config, const std::string& payload = "x") {
    fake_host host;
    auto created = host.create("http", config);
    EXPECT_EQ(created.status, WPRUN_OK) << created.message;
    if (created.status != WPRUN_OK) return created;
    return host.process(payload);
}

std::string config_error(const config_list& config) {
    fake_host host;
    auto r = host.create("http", config);
    EXPECT_EQ(r.status, WPRUN_INVALID_CONFIG);
    return r.message;
}

}  // namespace

TEST(Http, GetEmitsTheResponseBody) {
    http_test_server server;
    auto r = call({{"url", server.url("/echo/{payload}?seq={seq}")}}, "abc");
    EXPECT_EQ(r.status, WPRUN_OK) << r.message;
    EXPECT_EQ(r.outputs, strings{"/echo/abc?seq=0"});
}

TEST(Http, PercentEncodesValuesInTheUrl) {
    http_test_server server;
    auto r = call({{"url", server.url("/echo/{payload}")}}, "a b/c&d");
    EXPECT_EQ(r.outputs, strings{"/echo/a%20b%2Fc%26d"}) << r.message;
}

TEST(Http, TheWholeUrlCanComeFromThePayload) {
    http_test_server server;
    auto r = call({{"url", "{payload}"}, {"encode_url", "false"}}, server.url("/echo/x?y=1"));
    EXPECT_EQ(r.outputs, strings{"/echo/x?y=1"}) << r.message;
}

TEST(Http, UrlTakesJsonFields) {
    http_test_server server;
    auto r = call({{"url", server.url("/echo/{json:/user/id}")}}, R"({"user":{"id":42}})");
    EXPECT_EQ(r.outputs, strings{"/echo/42"}) << r.message;
    auto bad = call({{"url", server.url("/echo/{json:/id}")}}, R"({"id":)");
    EXPECT_EQ(bad.status, WPRUN_REJECT);
    EXPECT_NE(bad.message.find("malformed JSON at byte"), std::string::npos) << bad.message;
}

TEST(Http, PostSendsTheBodyAndHeaders) {
    http_test_server server;
    auto r = call({{"url", server.url("/echo")},
                   {"method", "post"},
                   {"body", "got {payload}"},
                   {"headers", "X-Test: seq {seq}\nContent-Type: text/plain"}},
                  "data");
    EXPECT_EQ(r.outputs, strings{"got data|seq 0"}) << r.message;
}

TEST(Http, ClientErrorsAreRejectedWithTheStatusAndBody) {
    http_test_server server;
    auto r = call({{"url", server.url("/status/404")}});
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "http: status 404: status 404");
}

TEST(Http, ServerErrorsAndTooManyRequestsAreRetried) {
    http_test_server server;
    for (const char* code : {"500", "503", "429"}) {
        auto r = call({{"url", server.url(std::string("/status/") + code)}});
        EXPECT_EQ(r.status, WPRUN_RETRY) << code;
        EXPECT_EQ(r.message, std::string("http: status ") + code + ": status " + code);
    }
}

TEST(Http, StatusSetsAreConfigurable) {
    http_test_server server;
    EXPECT_EQ(call({{"url", server.url("/status/404")}, {"ok_codes", "200-299, 404"}}).status,
              WPRUN_OK);
    EXPECT_EQ(call({{"url", server.url("/status/409")}, {"retry_codes", "409"}}).status,
              WPRUN_RETRY);
    EXPECT_EQ(call({{"url", server.url("/status/503")}, {"retry_codes", ""}}).status, WPRUN_REJECT);
}

TEST(Http, AFlakyServerSucceedsOnALaterAttempt) {
    http_test_server server;
    fake_host host;
    ASSERT_EQ(host.create("http", {{"url", server.url("/flaky/a?fail=2")}}).status, WPRUN_OK);
    EXPECT_EQ(host.process("x", {}, 0, 1).status, WPRUN_RETRY);
    EXPECT_EQ(host.process("x", {}, 0, 2).status, WPRUN_RETRY);
    auto third = host.process("x", {}, 0, 3);
    EXPECT_EQ(third.status, WPRUN_OK);
    EXPECT_EQ(third.outputs, strings{"ok a"});
}

TEST(Http, PassesRetryAfterToTheHost) {
    http_test_server server;
    fake_host host;
    ASSERT_EQ(host.create("http", {{"url", server.url("/limited/a")}}).status, WPRUN_OK);
    auto first = host.process("x");
    EXPECT_EQ(first.status, WPRUN_RETRY);
    EXPECT_EQ(first.message, "http: status 429 (Retry-After 1s): slow down");
    EXPECT_EQ(first.retry_after_ns, 1'000'000'000u);
    EXPECT_EQ(host.process("x").status, WPRUN_OK);
}

TEST(Http, RetryAfterIsCappedByRetryAfterMax) {
    http_test_server server;
    auto r = call({{"url", server.url("/limited/c")}, {"retry_after_max", "250000000"}});
    EXPECT_EQ(r.status, WPRUN_RETRY);
    EXPECT_EQ(r.retry_after_ns, 250'000'000u);
}

TEST(Http, WaitsForRetryAfterItselfWhenTheHostCannot) {
    http_test_server server;
    fake_host host;
    host.offer_retry_after(false);
    ASSERT_EQ(host.create("http", {{"url", server.url("/limited/d")}}).status, WPRUN_OK);
    auto started = std::chrono::steady_clock::now();
    auto first = host.process("x");
    auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(first.status, WPRUN_RETRY);
    EXPECT_GE(waited, std::chrono::milliseconds(990));  // a lower bound: never flaky
}

TEST(Http, RetryAfterCanBeIgnored) {
    http_test_server server;
    auto r = call({{"url", server.url("/limited/b")}, {"retry_after_max", "0"}});
    EXPECT_EQ(r.status, WPRUN_RETRY);
    EXPECT_EQ(r.message, "http: status 429: slow down");
    EXPECT_EQ(r.retry_after_ns, 0u);
}

TEST(Http, ATimeoutIsRetried) {
    http_test_server server;
    auto r = call({{"url", server.url("/slow?ms=2000")}, {"timeout", "50000000"}});
    EXPECT_EQ(r.status, WPRUN_RETRY);
    EXPECT_NE(r.message.find("Timeout was reached"), std::string::npos) << r.message;
}

TEST(Http, ARefusedConnectionIsRetriedOrRejected) {
    int port = 0;
    {
        http_test_server gone;
        port = gone.port();
    }  // nothing listens there now
    std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
    auto r = call({{"url", url}});
    EXPECT_EQ(r.status, WPRUN_RETRY);
    EXPECT_NE(r.message.find("Couldn't connect to server"), std::string::npos) << r.message;
    EXPECT_EQ(call({{"url", url}, {"transport_errors", "reject"}}).status, WPRUN_REJECT);
}

TEST(Http, AWorkerReusesItsConnection) {
    http_test_server server;
    fake_host host;
    ASSERT_EQ(host.create("http", {{"url", server.url("/port")}}).status, WPRUN_OK);
    auto first = host.process("x");
    ASSERT_EQ(first.status, WPRUN_OK) << first.message;
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(host.process("x").outputs, first.outputs) << "request " << i + 2;
}

TEST(Http, StopsWhenTheHostSaysSo) {
    http_test_server server;
    fake_host host;
    ASSERT_EQ(host.create("http", {{"url", server.url("/slow?ms=3000")}}).status, WPRUN_OK);
    host.set_should_stop(true);
    auto r = host.process("x");
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "http: stopped by the host");
}

TEST(Http, ALargeResponseIsRejected) {
    http_test_server server;
    auto r =
        call({{"url", server.url("/echo/" + std::string(3000, 'a'))}, {"max_response", "1024"}});
    EXPECT_EQ(r.status, WPRUN_REJECT);
    EXPECT_EQ(r.message, "http: response larger than max_response (1024 bytes)");
}

TEST(Http, BadConfigIsRefused) {
    EXPECT_NE(config_error({{"url", "x"}, {"retry_codes", "5xx"}}).find("'retry_codes' must be"),
              std::string::npos);
    EXPECT_EQ(config_error({{"url", "x"}, {"retry_codes", "200"}}),
              "http: 'ok_codes' and 'retry_codes' overlap");
    EXPECT_EQ(config_error({{"url", "x"}, {"headers", "no colon"}}),
              "http: 'headers': 'no colon' is not 'Name: value'");
    EXPECT_NE(config_error({{"url", "{nope}"}}).find("unknown placeholder {nope}"),
              std::string::npos);
}
