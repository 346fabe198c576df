// child_process: start, stop and reap one `wprun-worker` child.
//
// Children are started by one long-lived thread (the spawner), never by the calling thread:
// `PR_SET_PDEATHSIG` (set by the child) fires when the thread that started it exits, and stage
// worker threads come and go while their children must live on until `flush`. The spawner lives
// until the process exits, so a child dies with its host (SIGKILL), whatever way the host ends.
// A child gets /dev/null as stdin, the host's stderr as stdout and stderr (so a plugin's
// printf cannot corrupt the protocol), one end of a socket pair as fd 3, no other descriptor,
// default signal dispositions, an empty signal mask and a process group of its own (a Ctrl-C
// in the terminal reaches the host only, which then drains its items).
// Thread-safety: `spawn` from any thread; a child_process is used by one thread at a time.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace wprun::isolation {

/// The fd number a child finds its socket on.
inline constexpr int child_socket_fd = 3;

class child_process {
public:
    child_process() = default;
    ~child_process() { kill_now(); }
    child_process(child_process&& other) noexcept;
    child_process& operator=(child_process&& other) noexcept;
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    /// Starts `exe` (with `--host-pid <this pid>`). Throws std::system_error when it cannot.
    static child_process spawn(const std::string& exe);

    bool running() const noexcept { return pid_ > 0; }
    pid_t pid() const noexcept { return pid_; }
    int socket() const noexcept { return fd_; }

    /// Kills the child (SIGKILL), reaps it and closes the socket; the exit status, as waitpid
    /// gives it, or -1 when there was no child.
    int kill_now() noexcept;
    /// Closes the socket (a healthy child sees end of input and exits) and reaps the child,
    /// waiting at most `grace_ms` before SIGKILL; returns the wait status (-1: no child).
    int stop(int grace_ms) noexcept;

private:
    child_process(pid_t pid, int fd) : pid_(pid), fd_(fd) {}
    void close_socket() noexcept;

    pid_t pid_ = -1;
    int fd_ = -1;
};

/// "signal 11 (SIGSEGV)" or "exited with status 3", from a waitpid status.
std::string describe_exit(int wait_status);

/// The `wprun-worker` beside the running binary (which may not exist).
std::string default_worker_binary();

}  // namespace wprun::isolation
