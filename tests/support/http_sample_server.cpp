// http_sample_server: serves the http_test_server routes on 127.0.0.1 while it runs a command,
// so sample pipelines that call an HTTP API can run under `wprun test`:
//
//     http_sample_server wprun test pipelines/
//
// The command gets WPRUN_SAMPLE_HTTP=http://127.0.0.1:PORT in its environment (the pipelines use
// ${WPRUN_SAMPLE_HTTP}); the server stops when the command ends, and its exit status is ours.

#include <cstdio>
#include <cstdlib>
#include <string>

#include "support/http_test_server.h"
#include "support/run_command.h"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: http_sample_server COMMAND [ARGS...]\n");
        return 2;
    }
    wprun::testing::http_test_server server;
    std::string url = server.url("");
    ::setenv("WPRUN_SAMPLE_HTTP", url.c_str(), 1);
    return wprun::testing::run_command(argv + 1);
}
