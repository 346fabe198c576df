// http: one HTTP request per item with libcurl — method, a URL template filled from the item
// (payload, attributes, JSON fields; percent-encoded), headers and a body; the response body is
// the output. Each worker keeps one curl handle for the whole run, so its connection is reused
// from item to item (keep-alive). Status codes and transport errors map to OK / RETRY / REJECT
// by configurable sets, so the stage's retry, rate limit and circuit breaker do the rest.
//
// Retry-After: a RETRY response's Retry-After (at most `retry_after_max`) goes to the host's
// retry_after service (ABI 1.1), so the stage's retry policy waits at least that long before the
// next attempt without holding the worker; a host without the service gets the wait done here.
//
// Thread-safety: the instance is read-only after create; each worker owns its curl handle.
#include <curl/curl.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>
#include <wprun/plugin.hpp>

#include "../format/item_template.h"
#include "../json/json_doc.h"
#include "http_policy.h"

namespace {

using format_plugin::item_template;
using http_plugin::code_set;
using wprun::config_error;
using wprun::emitter;
using wprun::field;
using wprun::job;
using wprun::result;

constexpr int64_t ms_ns = 1'000'000;

int64_t monotonic_ns() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);  // the clock of the host's deadlines
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string one_line(std::string_view s, size_t max) {
    std::string out(s.substr(0, max));
    for (char& c : out)
        if (c == '\n' || c == '\r') c = ' ';
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return s.size() > max ? out + "..." : out;
}

code_set codes(const wprun::config& cfg, const char* option) {
    try {
        return code_set(cfg.get_string(option), option);
    } catch (const std::invalid_argument& e) {
        throw config_error(e.what());
    }
}

/// The per-stage settings a worker's curl handle is set up with.
struct request_spec {
    std::string method;
    bool has_body = false;
    int64_t timeout_ms = 0;
    int64_t connect_timeout_ms = 0;
    bool follow_redirects = false;
    uint64_t max_response = 0;
};

/// One worker's curl handle and the buffers of one call.
class connection {
public:
    explicit connection(const request_spec& spec) : handle_(curl_easy_init()) {
        if (!handle_) throw std::runtime_error("http: curl_easy_init failed");
        setup(spec);
        max_response_ = spec.max_response;
    }
    ~connection() {
        curl_easy_cleanup(handle_);
        curl_slist_free_all(headers_);
    }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    /// Sends one request; the result is in `code`, `body`, `retry_after`.
    CURLcode perform(const std::string& url,
                     const std::vector<std::string>& headers,
                     const std::string* body,
                     int64_t timeout_ms,
                     const emitter& out) {
        body_.clear();
        retry_after_.clear();
        too_large_ = false;
        stopped_ = false;
        out_ = &out;
        errbuf_[0] = '\0';
        curl_slist_free_all(headers_);
        headers_ = nullptr;
        for (const std::string& h : headers) headers_ = curl_slist_append(headers_, h.c_str());
        curl_easy_setopt(handle_, CURLOPT_URL, url.c_str());
        curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, headers_);
        curl_easy_setopt(handle_, CURLOPT_TIMEOUT_MS, long(std::max<int64_t>(1, timeout_ms)));
        if (body) {
            curl_easy_setopt(handle_, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body->size()));
            curl_easy_setopt(handle_, CURLOPT_POSTFIELDS, body->data());
        }
        CURLcode rc = curl_easy_perform(handle_);
        curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &code_);
        return rc;
    }

    long code() const noexcept { return code_; }
    const std::string& body() const noexcept { return body_; }
    const std::string& retry_after() const noexcept { return retry_after_; }
    bool too_large() const noexcept { return too_large_; }
    bool stopped() const noexcept { return stopped_; }
    const char* error_detail() const noexcept { return errbuf_; }

private:
    void setup(const request_spec& spec) {
        curl_easy_setopt(handle_, CURLOPT_NOSIGNAL, 1L);  // worker threads: no SIGALRM
        curl_easy_setopt(handle_, CURLOPT_ERRORBUFFER, errbuf_);
        curl_easy_setopt(handle_, CURLOPT_WRITEFUNCTION, &on_body);
        curl_easy_setopt(handle_, CURLOPT_WRITEDATA, this);
        curl_easy_setopt(handle_, CURLOPT_HEADERFUNCTION, &on_header);
        curl_easy_setopt(handle_, CURLOPT_HEADERDATA, this);
        curl_easy_setopt(handle_, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(handle_, CURLOPT_XFERINFOFUNCTION, &on_progress);
        curl_easy_setopt(handle_, CURLOPT_XFERINFODATA, this);
        curl_easy_setopt(handle_, CURLOPT_CONNECTTIMEOUT_MS, long(spec.connect_timeout_ms));
        curl_easy_setopt(handle_, CURLOPT_FOLLOWLOCATION, spec.follow_redirects ? 1L : 0L);
        curl_easy_setopt(handle_, CURLOPT_ACCEPT_ENCODING, "");  // any the library can decode
        if (spec.method == "GET" && !spec.has_body)
            curl_easy_setopt(handle_, CURLOPT_HTTPGET, 1L);
        else if (spec.method == "HEAD")
            curl_easy_setopt(handle_, CURLOPT_NOBODY, 1L);
        if (spec.method != "GET" && spec.method != "HEAD")
            curl_easy_setopt(handle_, CURLOPT_CUSTOMREQUEST, spec.method.c_str());
        if (spec.method == "GET" && spec.has_body)
            curl_easy_setopt(handle_, CURLOPT_CUSTOMREQUEST, "GET");
    }

    static size_t on_body(char* data, size_t, size_t n, void* self) {
        auto* c = static_cast<connection*>(self);
        if (c->body_.size() + n > c->max_response_) {
            c->too_large_ = true;
            return 0;  // curl stops with CURLE_WRITE_ERROR
        }
        c->body_.append(data, n);
        return n;
    }
    static size_t on_header(char* data, size_t, size_t n, void* self) {
        auto* c = static_cast<connection*>(self);
        std::string_view line(data, n);
        constexpr std::string_view name = "retry-after:";
        if (line.size() > name.size() &&
            std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
                return a == std::tolower(static_cast<unsigned char>(b));
            }))
            c->retry_after_ = std::string(line.substr(name.size()));
        return n;
    }
    static int on_progress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
        auto* c = static_cast<connection*>(self);
        c->stopped_ = c->out_->should_stop();
        return c->stopped_ ? 1 : 0;
    }

    CURL* handle_;
    curl_slist* headers_ = nullptr;
    std::string body_;
    std::string retry_after_;
    uint64_t max_response_ = 0;
    long code_ = 0;
    bool too_large_ = false;
    bool stopped_ = false;
    const emitter* out_ = nullptr;
    char errbuf_[CURL_ERROR_SIZE] = {};
};

class http {
public:
    static constexpr const char* name = "http";
    static constexpr const char* description =
        "Sends one HTTP request per item (libcurl, keep-alive per worker); the response body is "
        "the output.";

    static std::vector<field> schema();
    explicit http(const wprun::config& cfg);

    struct worker {
        explicit worker(const http& h) : conn(h.spec_) {}
        connection conn;
        json_plugin::json_doc doc;
        std::string url;
        std::string body;
        std::vector<std::string> headers;
    };

    result process(worker& w, const job& j, emitter& out) const;

private:
    static item_template optional_template(const wprun::config& cfg, const char* option);
    std::vector<item_template> parse_headers(const std::string& text) const;
    result build(worker& w, const job& j) const;
    result judge(worker& w, CURLcode rc, const emitter& out) const;
    result retry_status(worker& w, long code, const emitter& out) const;
    int64_t call_timeout_ms(const emitter& out) const;

    request_spec spec_;
    item_template url_;
    std::vector<item_template> headers_;
    std::optional<item_template> body_;
    bool encode_url_;
    bool missing_empty_;
    bool needs_json_ = false;
    code_set ok_codes_;
    code_set retry_codes_;
    bool retry_transport_;
    int64_t retry_after_max_ms_;
};

std::vector<field> http::schema() {
    return {
        {"url", WPRUN_TYPE_STRING, nullptr, true,
         "URL template: {payload}, {seq}, {key}, {attempt}, {json:/pointer} (values "
         "percent-encoded unless encode_url: false)"},
        {"method", WPRUN_TYPE_STRING, "GET", false, "GET, POST, PUT, PATCH, DELETE, HEAD, ..."},
        {"headers", WPRUN_TYPE_STRING, "", false,
         "request headers, one 'Name: value' per line (templates allowed)"},
        {"body", WPRUN_TYPE_STRING, nullptr, false,
         "request body template, e.g. '{payload}'; default: none"},
        {"encode_url", WPRUN_TYPE_BOOL, "true", false,
         "percent-encode values put into the URL (false: the payload is a whole URL)"},
        {"missing", WPRUN_TYPE_STRING, "reject", false,
         "when a {json:...} field is absent: reject or empty"},
        {"timeout", WPRUN_TYPE_DURATION, "30s", false, "whole-request timeout (then RETRY)"},
        {"connect_timeout", WPRUN_TYPE_DURATION, "10s", false, "connection timeout"},
        {"ok_codes", WPRUN_TYPE_STRING, "200-299", false, "statuses that are OK"},
        {"retry_codes", WPRUN_TYPE_STRING, "429, 500-599", false,
         "statuses that are RETRY; any other status is REJECT"},
        {"transport_errors", WPRUN_TYPE_STRING, "retry", false,
         "refused connections, resets, timeouts: retry or reject"},
        {"retry_after_max", WPRUN_TYPE_DURATION, "10s", false,
         "longest Retry-After delay honoured (passed to the stage's retry); 0: ignore it"},
        {"max_response", WPRUN_TYPE_SIZE, "64MiB", false, "largest response body; larger: REJECT"},
        {"follow_redirects", WPRUN_TYPE_BOOL, "false", false, "follow 3xx Location headers"},
    };
}

item_template http::optional_template(const wprun::config& cfg, const char* option) {
    return item_template(cfg.get_string(option), std::string("http: '") + option + "'");
}

http::http(const wprun::config& cfg)
    : url_(optional_template(cfg, "url")),
      encode_url_(cfg.get_bool("encode_url", true)),
      missing_empty_(cfg.get_string("missing", "reject") == "empty"),
      ok_codes_(codes(cfg, "ok_codes")),
      retry_codes_(codes(cfg, "retry_codes")),
      retry_transport_(cfg.get_string("transport_errors", "retry") == "retry"),
      retry_after_max_ms_(cfg.get_duration_ns("retry_after_max") / ms_ns) {
    static std::once_flag curl_ready;
    std::call_once(curl_ready, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    spec_.method = cfg.get_string("method", "GET");
    if (spec_.method.empty() || spec_.method.find_first_of(" \r\n") != std::string::npos)
        throw config_error("http: 'method' must be one word, e.g. GET or POST");
    std::transform(spec_.method.begin(), spec_.method.end(), spec_.method.begin(),
                   [](char c) { return char(std::toupper(static_cast<unsigned char>(c))); });
    if (cfg.has("body")) body_.emplace(optional_template(cfg, "body"));
    spec_.has_body = body_.has_value();
    spec_.timeout_ms = cfg.get_duration_ns("timeout") / ms_ns;
    spec_.connect_timeout_ms = cfg.get_duration_ns("connect_timeout") / ms_ns;
    spec_.follow_redirects = cfg.get_bool("follow_redirects");
    spec_.max_response = cfg.get_size("max_response");
    headers_ = parse_headers(cfg.get_string("headers"));
    std::string missing = cfg.get_string("missing", "reject");
    if (missing != "reject" && missing != "empty")
        throw config_error("http: unknown missing '" + missing + "' (valid: reject, empty)");
    std::string transport = cfg.get_string("transport_errors", "retry");
    if (transport != "retry" && transport != "reject")
        throw config_error("http: unknown transport_errors '" + transport +
                           "' (valid: retry, reject)");
    if (ok_codes_.overlaps(retry_codes_))
        throw config_error("http: 'ok_codes' and 'retry_codes' overlap");
    if (spec_.timeout_ms <= 0 || spec_.connect_timeout_ms <= 0)
        throw config_error("http: 'timeout' and 'connect_timeout' must be at least 1ms");
    needs_json_ = url_.needs_json() || (body_ && body_->needs_json());
    for (const item_template& h : headers_) needs_json_ = needs_json_ || h.needs_json();
}

std::vector<item_template> http::parse_headers(const std::string& text) const {
    std::vector<item_template> out;
    std::string_view rest = text;
    while (!rest.empty()) {
        size_t nl = std::min(rest.find('\n'), rest.size());
        std::string_view line = rest.substr(0, nl);
        rest.remove_prefix(std::min(nl + 1, rest.size()));
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
        if (line.empty()) continue;
        size_t colon = line.find(':');
        if (colon == 0 || colon == std::string_view::npos)
            throw config_error("http: 'headers': '" + std::string(line) + "' is not 'Name: value'");
        out.emplace_back(line, "http: 'headers'");
    }
    return out;
}

result http::build(worker& w, const job& j) const {
    std::string why;
    if (needs_json_ && !w.doc.parse(j.payload, why)) return wprun::reject("http: " + why);
    auto doc = w.doc.root();
    w.url.clear();
    if (!url_.fill(w.url, j, doc, encode_url_, missing_empty_, why))
        return wprun::reject("http: url: " + why);
    w.headers.resize(headers_.size());
    for (size_t i = 0; i < headers_.size(); ++i) {
        w.headers[i].clear();
        if (!headers_[i].fill(w.headers[i], j, doc, false, missing_empty_, why))
            return wprun::reject("http: headers: " + why);
        if (w.headers[i].find_first_of("\r\n") != std::string::npos)
            return wprun::reject("http: a header value holds a line break");
    }
    w.body.clear();
    if (body_ && !body_->fill(w.body, j, doc, false, missing_empty_, why))
        return wprun::reject("http: body: " + why);
    return wprun::ok();
}

int64_t http::call_timeout_ms(const emitter& out) const {
    int64_t ms = spec_.timeout_ms;
    if (uint64_t deadline = out.deadline_ns())
        ms = std::min<int64_t>(ms, (int64_t(deadline) - monotonic_ns()) / ms_ns);
    return ms;
}

result http::process(worker& w, const job& j, emitter& out) const {
    if (result r = build(w, j); !r.is_ok()) return r;
    CURLcode rc =
        w.conn.perform(w.url, w.headers, body_ ? &w.body : nullptr, call_timeout_ms(out), out);
    result r = judge(w, rc, out);
    if (r.is_ok()) out.emit(w.conn.body());
    return r;
}

result http::judge(worker& w, CURLcode rc, const emitter& out) const {
    const connection& c = w.conn;
    if (rc == CURLE_ABORTED_BY_CALLBACK && c.stopped())
        return wprun::reject("http: stopped by the host");
    if (rc == CURLE_WRITE_ERROR && c.too_large())
        return wprun::reject("http: response larger than max_response (" +
                             std::to_string(spec_.max_response) + " bytes)");
    if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL)
        return wprun::reject(std::string("http: ") + curl_easy_strerror(rc) + ": " + w.url);
    if (rc != CURLE_OK) {
        std::string message = std::string("http: ") + curl_easy_strerror(rc);
        if (*c.error_detail()) message += std::string(" (") + c.error_detail() + ")";
        return retry_transport_ ? wprun::retry(message) : wprun::reject(message);
    }
    long code = c.code();
    if (ok_codes_.has(code)) return wprun::ok();
    if (retry_codes_.has(code)) return retry_status(w, code, out);
    return wprun::reject("http: status " + std::to_string(code) + ": " + one_line(c.body(), 200));
}

// For a host that cannot delay the retry itself (its retry_after service is NULL): wait here,
// no longer than the call's deadline, looking at the host's stop flag every 20 ms.
void wait_in_call(int64_t ms, const emitter& out) {
    int64_t until = monotonic_ns() + ms * ms_ns;
    if (uint64_t deadline = out.deadline_ns()) until = std::min(until, int64_t(deadline));
    while (monotonic_ns() < until && !out.should_stop())
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::min<int64_t>(20, (until - monotonic_ns()) / ms_ns + 1)));
}

result http::retry_status(worker& w, long code, const emitter& out) const {
    std::string message = "http: status " + std::to_string(code);
    auto wait = http_plugin::retry_after_ms(w.conn.retry_after(), int64_t(::time(nullptr)));
    if (wait && retry_after_max_ms_ > 0) {
        int64_t ms = std::min(*wait, retry_after_max_ms_);
        if (!out.retry_after(uint64_t(ms) * ms_ns)) wait_in_call(ms, out);
        message += " (Retry-After " + std::to_string(*wait / 1000) + "s)";
    }
    if (!w.conn.body().empty()) message += ": " + one_line(w.conn.body(), 200);
    return wprun::retry(message);
}

}  // namespace

WPRUN_PLUGIN("http", "1.0.0", http)
