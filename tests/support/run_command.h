// run_command: what the *_sample_server wrappers do once their server is up: run a command and
// take its exit status as their own.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

namespace wprun::testing {

/// Runs argv[0] with argv (null-terminated) and waits for it: its exit status, or 128 + the
/// signal that ended it, or 127 when it cannot be started (2 when fork fails).
inline int run_command(char** argv) {
    pid_t pid = ::fork();
    if (pid < 0) return 2;
    if (pid == 0) {
        ::execvp(argv[0], argv);
        std::perror(argv[0]);
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace wprun::testing
