// redis_server: a real redis-server for tests, on 127.0.0.1 and a free port, in a scratch folder,
// without persistence (--save "" --appendonly no), or `durable` (--appendonly yes --appendfsync
// always: every write is on disk before the reply). Started by the constructor (which waits until
// it answers PING), stopped by `stop` or the destructor (SIGTERM, then reaped), or `kill`ed
// (SIGKILL, as a crash); `start` again restarts it on the same port (an empty server, or, durable,
// one that reloaded its append-only file). `available()` is false when
// /usr/bin/redis-server is missing: tests then GTEST_SKIP with a loud message.
// `run` sends one command on the fixture's own connection. Not thread-safe.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace wprun::testing {

inline constexpr const char* redis_server_binary = "/usr/bin/redis-server";
inline constexpr const char* redis_missing =
    "SKIPPED: /usr/bin/redis-server is missing; install the Debian package redis-server "
    "(scripts/packages.txt) to run the redis source and sink tests";

class redis_server {
public:
    static bool available() { return ::access(redis_server_binary, X_OK) == 0; }

    explicit redis_server(bool durable = false) : port_(free_port()), durable_(durable) {
        dir_ = std::filesystem::temp_directory_path() /
               ("wprun-redis-" + std::to_string(::getpid()) + "-" + std::to_string(port_));
        std::filesystem::create_directories(dir_);
        // Another process (a test of another build on this machine) may take the port between
        // free_port() and the server's bind: then start on another one.
        for (int tries = 0; !try_start(); ++tries) {
            if (tries == 5) throw std::runtime_error("redis-server: no free port after 5 tries");
            port_ = free_port();
        }
    }
    ~redis_server() {
        stop();
        std::filesystem::remove_all(dir_);
    }
    redis_server(const redis_server&) = delete;
    redis_server& operator=(const redis_server&) = delete;

    int port() const noexcept { return port_; }

    /// Starts the server (again) on its port; throws when it does not come up as ours.
    void start() {
        if (!try_start())
            throw std::runtime_error("redis-server did not start on port " + std::to_string(port_) +
                                     " (taken by another process?)");
    }

    /// Starts the server; false when the server answering on the port is not ours (ours could
    /// not bind it).
    bool try_start() {
        std::string port = std::to_string(port_);
        pid_ = ::fork();
        if (pid_ == 0) {
            int null = ::open("/dev/null", O_WRONLY);  // its start-up notices are noise here
            ::dup2(null, 1);
            ::dup2(null, 2);
            ::execl(redis_server_binary, redis_server_binary, "--port", port.c_str(), "--bind",
                    "127.0.0.1", "--save", "", "--appendonly", durable_ ? "yes" : "no",
                    "--appendfsync", "always", "--dir", dir_.c_str(), "--loglevel", "warning",
                    static_cast<char*>(nullptr));
            ::_exit(127);
        }
        for (int i = 0; i < 500; ++i) {                       // up to 10 s for a loaded machine
            if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {  // it exited: the port was taken
                pid_ = -1;
                break;
            }
            if (connect()) {
                if (serves_us()) return true;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        end(SIGKILL);
        return false;
    }
    void stop() { end(SIGTERM); }
    /// A crash: SIGKILL, no shutdown.
    void kill() { end(SIGKILL); }

    /// Ends the server with `sig` and reaps it; closes the fixture's connection.
    void end(int sig) {
        if (r_ != nullptr) freeReplyObject(r_);
        r_ = nullptr;
        if (ctx_ != nullptr) redisFree(ctx_);
        ctx_ = nullptr;
        if (pid_ <= 0) return;
        ::kill(pid_, sig);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }

    /// Runs one command; returns the reply as text (integers in decimal, arrays as their size).
    redisReply* run(const std::vector<std::string>& args) {
        std::vector<const char*> argv;
        std::vector<size_t> lens;
        for (const auto& a : args) {
            argv.push_back(a.data());
            lens.push_back(a.size());
        }
        if (r_ != nullptr) freeReplyObject(r_);
        r_ = static_cast<redisReply*>(
            redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()));
        if (r_ == nullptr) throw std::runtime_error("redis: connection lost");
        return r_;
    }
    long long integer(const std::vector<std::string>& args) { return run(args)->integer; }

private:
    static int free_port() {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        ::close(fd);
        return ntohs(a.sin_port);
    }
    /// The server answering is the one we started (INFO's process_id).
    bool serves_us() {
        auto* r = static_cast<redisReply*>(redisCommand(ctx_, "INFO server"));
        bool ours = r != nullptr && r->type == REDIS_REPLY_STRING &&
                    std::string(r->str, r->len).find("process_id:" + std::to_string(pid_) + "\r") !=
                        std::string::npos;
        if (r != nullptr) freeReplyObject(r);
        return ours;
    }
    bool connect() {
        if (ctx_ != nullptr) redisFree(ctx_);
        ctx_ = redisConnect("127.0.0.1", port_);
        if (ctx_ == nullptr || ctx_->err != 0) return false;
        auto* r = static_cast<redisReply*>(redisCommand(ctx_, "PING"));
        bool ok = r != nullptr && r->type == REDIS_REPLY_STATUS;
        if (r != nullptr) freeReplyObject(r);
        return ok;
    }

    int port_;
    bool durable_ = false;
    pid_t pid_ = -1;
    std::filesystem::path dir_;
    redisContext* ctx_ = nullptr;
    redisReply* r_ = nullptr;
};

}  // namespace wprun::testing
