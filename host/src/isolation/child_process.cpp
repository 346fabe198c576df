#include "isolation/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace wprun::isolation {
namespace {

[[noreturn]] void throw_errno(int err, const char* what) {
    throw std::system_error(err, std::generic_category(), what);
}

/// Runs tasks on one thread that lives as long as the process (see the header for why).
class spawner {
public:
    static spawner& instance() {
        static spawner* s = new spawner;  // never destroyed: children must die with the process
        return *s;
    }

    template <class Fn>
    auto run(Fn fn) -> decltype(fn()) {
        std::packaged_task<decltype(fn())()> task(std::move(fn));
        auto result = task.get_future();
        {
            std::lock_guard lock(mutex_);
            tasks_.emplace_back([&task] { task(); });
        }
        ready_.notify_one();
        return result.get();
    }

private:
    spawner() {
        std::thread([this] { loop(); }).detach();
    }

    void loop() {
        for (;;) {
            std::function<void()> task;
            {
                std::unique_lock lock(mutex_);
                ready_.wait(lock, [this] { return !tasks_.empty(); });
                task = std::move(tasks_.front());
                tasks_.pop_front();
            }
            task();
        }
    }

    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> tasks_;
};

struct spawn_setup {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    spawn_setup() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attr);
    }
    ~spawn_setup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
    spawn_setup(const spawn_setup&) = delete;
    spawn_setup& operator=(const spawn_setup&) = delete;
};

void prepare(spawn_setup& s, int child_fd) {
    posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&s.actions, 2, 1);
    posix_spawn_file_actions_adddup2(&s.actions, child_fd, child_socket_fd);
    posix_spawn_file_actions_addclosefrom_np(&s.actions, child_socket_fd + 1);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&s.attr, &none);
    posix_spawnattr_setsigdefault(&s.attr, &all);
    posix_spawnattr_setpgroup(&s.attr, 0);
    posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                          POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_USEVFORK);
}

std::pair<pid_t, int> spawn_now(const std::string& exe) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        throw_errno(errno, "socketpair");
    // dup2 onto the same number would keep O_CLOEXEC: give the child's end a number above 3.
    if (sv[1] <= child_socket_fd) {
        int moved = ::fcntl(sv[1], F_DUPFD_CLOEXEC, child_socket_fd + 1);
        ::close(sv[1]);
        sv[1] = moved;
    }
    spawn_setup setup;
    prepare(setup, sv[1]);
    std::string host_pid = std::to_string(::getpid());
    std::vector<char*> argv{const_cast<char*>(exe.c_str()), const_cast<char*>("--host-pid"),
                            host_pid.data(), nullptr};
    pid_t pid = -1;
    int err = sv[1] < 0 ? errno
                        : posix_spawn(&pid, exe.c_str(), &setup.actions, &setup.attr, argv.data(),
                                      environ);
    if (sv[1] >= 0) ::close(sv[1]);
    if (err != 0) {
        ::close(sv[0]);
        throw_errno(err, ("cannot start '" + exe + "'").c_str());
    }
    return {pid, sv[0]};
}

int wait_for(pid_t pid) noexcept {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return status;
}

}  // namespace

child_process::child_process(child_process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), fd_(std::exchange(other.fd_, -1)) {}

child_process& child_process::operator=(child_process&& other) noexcept {
    if (this != &other) {
        kill_now();
        pid_ = std::exchange(other.pid_, -1);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

child_process child_process::spawn(const std::string& exe) {
    auto [pid, fd] = spawner::instance().run([&exe] { return spawn_now(exe); });
    return child_process(pid, fd);
}

void child_process::close_socket() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

int child_process::kill_now() noexcept {
    close_socket();
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGKILL);
    int status = wait_for(pid_);
    pid_ = -1;
    return status;
}

int child_process::stop(int grace_ms) noexcept {
    close_socket();
    if (pid_ <= 0) return -1;
    int status = 0;
    for (int waited = 0; waited <= grace_ms; ++waited) {
        pid_t got = ::waitpid(pid_, &status, WNOHANG);
        if (got == 0 || (got < 0 && errno == EINTR)) {
            ::usleep(1000);
            continue;
        }
        pid_ = -1;
        return got > 0 ? status : -1;
    }
    return kill_now();
}

std::string describe_exit(int wait_status) {
    if (wait_status < 0) return "exited (status unknown)";
    if (WIFSIGNALED(wait_status)) {
        int sig = WTERMSIG(wait_status);
        const char* abbrev = ::sigabbrev_np(sig);
        return "signal " + std::to_string(sig) +
               (abbrev ? " (SIG" + std::string(abbrev) + ")" : std::string());
    }
    if (WIFEXITED(wait_status))
        return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
    return "stopped (status " + std::to_string(wait_status) + ")";
}

std::string default_worker_binary() {
    std::error_code ec;
    std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return "wprun-worker";
    return (exe.parent_path() / "wprun-worker").string();
}

}  // namespace wprun::isolation
