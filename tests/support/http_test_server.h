// http_test_server: a real HTTP server on 127.0.0.1 (cpp-httplib, an ephemeral port) for the
// http plugin's tests and its sample pipeline. Routes that can be told to misbehave:
//
//   GET  /echo/...            200, body = the request target as received (path and query)
//   POST /echo                200, body = the request body, then "|" and the X-Test header
//   GET  /status/N            status N, body "status N"
//   GET  /flaky/NAME?fail=K   503 for the first K calls per NAME, then 200 "ok NAME"
//   GET  /limited/NAME        429 with Retry-After: 1 on the first call per NAME, then 200
//   GET  /slow?ms=N           waits N ms, then 200 "slow"
//   GET  /port                200, body = the client's port (same port: same connection)
//   GET  /users/N             the sample pipeline's API (see pipelines/processors/http.yaml)
//
// Thread-safety: the server runs its own threads; counters are guarded by one mutex.
#pragma once

#include <httplib.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace wprun::testing {

class http_test_server {
public:
    http_test_server() {
        routes();
        server_.set_keep_alive_max_count(1000);  // httplib's default closes after 5 requests
        server_.set_tcp_nodelay(true);  // else Nagle + delayed ACK add 40 ms to each response
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~http_test_server() {
        server_.stop();
        thread_.join();
    }
    http_test_server(const http_test_server&) = delete;
    http_test_server& operator=(const http_test_server&) = delete;

    int port() const noexcept { return port_; }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    /// How many requests a counted route has seen for `name`.
    int calls(const std::string& name) {
        std::lock_guard<std::mutex> lock(mutex_);
        return counts_[name];
    }

private:
    int count(const std::string& name) {
        std::lock_guard<std::mutex> lock(mutex_);
        return ++counts_[name];
    }

    void routes() {
        server_.Get(R"(/echo/.*)", [](const httplib::Request& req, httplib::Response& res) {
            res.set_content(req.target, "text/plain");
        });
        server_.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
            res.set_content(req.body + "|" + req.get_header_value("X-Test"), "text/plain");
        });
        server_.Get(R"(/status/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
            res.status = std::stoi(req.matches[1]);
            res.set_content("status " + std::string(req.matches[1]), "text/plain");
        });
        server_.Get(R"(/flaky/(\w+))", [this](const httplib::Request& req, httplib::Response& res) {
            int fail = req.has_param("fail") ? std::stoi(req.get_param_value("fail")) : 1;
            bool failing = count("flaky/" + std::string(req.matches[1])) <= fail;
            res.status = failing ? 503 : 200;
            res.set_content(failing ? "try again" : "ok " + std::string(req.matches[1]),
                            "text/plain");
        });
        server_.Get(R"(/limited/(\w+))",
                    [this](const httplib::Request& req, httplib::Response& res) {
                        if (count("limited/" + std::string(req.matches[1])) == 1) {
                            res.status = 429;
                            res.set_header("Retry-After", "1");
                            res.set_content("slow down", "text/plain");
                            return;
                        }
                        res.set_content("ok", "text/plain");
                    });
        server_.Get("/slow", [](const httplib::Request& req, httplib::Response& res) {
            int ms = req.has_param("ms") ? std::stoi(req.get_param_value("ms")) : 100;
            std::this_thread::sleep_for(std::chrono::milliseconds(ms));
            res.set_content("slow", "text/plain");
        });
        server_.Get("/port", [](const httplib::Request& req, httplib::Response& res) {
            res.set_content(std::to_string(req.remote_port), "text/plain");
        });
        server_.Get(R"(/users/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
            user(std::stoi(req.matches[1]), res);
        });
    }

    // The sample pipeline's API: every user exists but 13 (404) and 40 (always 500); every
    // 7th fails once with 503; every 10th is rate-limited once (429, Retry-After: 1).
    void user(int id, httplib::Response& res) {
        std::string name = "user/" + std::to_string(id);
        int n = count(name);
        if (id == 13) {
            res.status = 404;
            res.set_content("no user 13", "text/plain");
        } else if (id == 40) {
            res.status = 500;
            res.set_content("database on fire", "text/plain");
        } else if (id % 7 == 0 && n == 1) {
            res.status = 503;
            res.set_content("busy", "text/plain");
        } else if (id % 10 == 0 && n == 1) {
            res.status = 429;
            res.set_header("Retry-After", "1");
            res.set_content("slow down", "text/plain");
        } else {
            res.set_content(R"({"id":)" + std::to_string(id) + R"(,"name":"user)" +
                                std::to_string(id) + R"("})",
                            "application/json");
        }
    }

    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
    std::mutex mutex_;
    std::map<std::string, int> counts_;
};

}  // namespace wprun::testing
