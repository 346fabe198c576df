// metrics_http: the seam between `--metrics-listen` (metrics_server.h, in wprun) and the HTTP
// server itself (metrics_http.cpp), which is built as a module of its own,
// libwprun_metrics_http.so, and opened only when a run asks for the endpoint. The server is
// cpp-httplib, whose shared library brings OpenSSL, brotli and zlib with it: linked into wprun,
// loading and relocating them cost every start-up about 4 ms and 10 M instructions
// (docs/performance.md, "Start-up, W3 and memory (session 3)").
//
// Both sides are built from this tree by the same compiler, so C++ types cross the boundary;
// only the entry point has C linkage, to be found with dlsym.
// Thread-safety: `routes` is called from the server's threads; create and destroy a `listener`
// from one thread (its destructor stops the server and joins its threads).
#pragma once

#include <string>

namespace wprun::cli::metrics_http {

/// What the server answers: GET /metrics and GET /ready.
class routes {
public:
    virtual ~routes() = default;
    /// The Prometheus text exposition of the latest snapshot.
    virtual std::string metrics() const = 0;
    /// True once every stage has started (or the run finished).
    virtual bool ready() const = 0;
};

/// A server listening on its own threads until destroyed.
class listener {
public:
    virtual ~listener() = default;
    /// The bound port (the one picked when 0 was asked for).
    virtual int port() const noexcept = 0;
};

/// The module's entry point: binds `host`:`port` (0 picks a free port) and serves `r`, which
/// must outlive the listener. nullptr with `error` set when the address cannot be bound.
using listen_fn = listener* (*)(const std::string& host,
                                int port,
                                const routes& r,
                                std::string& error);

/// The module's file name and the name of its `listen_fn`.
inline constexpr const char* module_file = "libwprun_metrics_http.so";
inline constexpr const char* listen_symbol = "wprun_metrics_http_listen";

}  // namespace wprun::cli::metrics_http
