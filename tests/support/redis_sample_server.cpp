// redis_sample_server: runs a scratch redis-server (tests/support/redis_server.h) on 127.0.0.1
// while it runs a command, so sample pipelines that need a Redis stream can run under
// `wprun test`:
//
//     redis_sample_server wprun test pipelines/scale-out
//
// The command gets WPRUN_SAMPLE_REDIS_PORT=PORT in its environment (the pipelines use
// ${WPRUN_SAMPLE_REDIS_PORT}); the server stops when the command ends, and its exit status is
// ours. Without /usr/bin/redis-server the command runs without the variable (its redis samples
// are then skipped, loudly).

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "support/redis_server.h"
#include "support/run_command.h"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: redis_sample_server COMMAND [ARGS...]\n");
        return 2;
    }
    std::unique_ptr<wprun::testing::redis_server> server;
    if (wprun::testing::redis_server::available()) {
        server = std::make_unique<wprun::testing::redis_server>();
        ::setenv("WPRUN_SAMPLE_REDIS_PORT", std::to_string(server->port()).c_str(), 1);
    } else {
        std::fprintf(stderr, "redis_sample_server: %s\n", wprun::testing::redis_missing);
    }
    return wprun::testing::run_command(argv + 1);
}
