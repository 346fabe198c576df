// hash: digests of each item's bytes, or of the file each item names (sha256sum-style lines).
//
// Each worker owns its digest state and its 64 KiB read buffer, made once and reset per item, so
// hashing allocates nothing per item and a file of any size is streamed in constant memory.
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <xxhash.h>
#include <zlib.h>

#include <cerrno>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>
#include <wprun/plugin.hpp>

namespace {

using wprun::emitter;
using wprun::field;
using wprun::job;
using wprun::result;

enum class algorithm { sha256, xxh64, crc32, fnv1a64 };

algorithm parse_algorithm(std::string_view name) {
    if (name == "sha256") return algorithm::sha256;
    if (name == "xxh64") return algorithm::xxh64;
    if (name == "crc32") return algorithm::crc32;
    if (name == "fnv1a64") return algorithm::fnv1a64;
    throw wprun::config_error("hash: unknown algorithm '" + std::string(name) +
                              "' (valid: sha256, xxh64, crc32, fnv1a64)");
}

bool parse_file_mode(std::string_view input) {
    if (input == "payload") return false;
    if (input == "file") return true;
    throw wprun::config_error("hash: unknown input '" + std::string(input) +
                              "' (valid: payload, file)");
}

constexpr size_t chunk_size = 64 * 1024;
constexpr size_t max_hex = 2 * EVP_MAX_MD_SIZE;
constexpr uint64_t fnv_offset = 0xcbf29ce484222325ull;
constexpr uint64_t fnv_prime = 0x100000001b3ull;

/// Writes `n` bytes as lowercase hex into `out` (2n chars); returns the view.
std::string_view to_hex(const unsigned char* bytes, size_t n, char* out) noexcept {
    constexpr char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; ++i) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0xf];
    }
    return {out, 2 * n};
}

/// The low `width` bytes of `v`, most significant first: how xxhsum and %08x print them.
std::string_view to_hex_be(uint64_t v, size_t width, char* out) noexcept {
    unsigned char bytes[8];
    for (size_t i = 0; i < width; ++i) bytes[i] = (unsigned char)(v >> (8 * (width - 1 - i)));
    return to_hex(bytes, width, out);
}

struct md_free {
    void operator()(EVP_MD* md) const noexcept { EVP_MD_free(md); }
};
using md_handle = std::unique_ptr<EVP_MD, md_free>;

// Fetched once per stage: OpenSSL 3 would otherwise look the algorithm up on every init.
md_handle fetch_sha256() {
    md_handle md(EVP_MD_fetch(nullptr, "SHA256", nullptr));
    if (!md) throw wprun::config_error("hash: OpenSSL has no SHA256 implementation");
    return md;
}

/// A streamed digest of one algorithm: reset, update.., hex. One per worker; not thread-safe.
class digest {
public:
    digest(algorithm a, const EVP_MD* md) : algo_(a), md_(md) {
        if (a == algorithm::sha256 && !(evp_ = EVP_MD_CTX_new())) throw std::bad_alloc();
        if (a == algorithm::xxh64 && !(xxh_ = XXH64_createState())) throw std::bad_alloc();
    }
    ~digest() {
        EVP_MD_CTX_free(evp_);
        XXH64_freeState(xxh_);
    }
    digest(const digest&) = delete;
    digest& operator=(const digest&) = delete;

    void reset() {
        switch (algo_) {
            case algorithm::sha256:
                if (EVP_DigestInit_ex(evp_, md_, nullptr) != 1) throw openssl_failed();
                break;
            case algorithm::xxh64:
                XXH64_reset(xxh_, 0);
                break;
            case algorithm::crc32:
                state_ = crc32_z(0, Z_NULL, 0);
                break;
            case algorithm::fnv1a64:
                state_ = fnv_offset;
                break;
        }
    }

    void update(const char* data, size_t size) {
        switch (algo_) {
            case algorithm::sha256:
                if (EVP_DigestUpdate(evp_, data, size) != 1) throw openssl_failed();
                break;
            case algorithm::xxh64:
                XXH64_update(xxh_, data, size);
                break;
            case algorithm::crc32:
                state_ = crc32_z(state_, reinterpret_cast<const Bytef*>(data), size);
                break;
            case algorithm::fnv1a64:
                state_ = fnv1a64(state_, data, size);
                break;
        }
    }

    /// The digest in lowercase hex, written into `out` (at least max_hex chars).
    std::string_view hex(char* out) {
        switch (algo_) {
            case algorithm::sha256:
                return sha256_hex(out);
            case algorithm::xxh64:
                return to_hex_be(XXH64_digest(xxh_), 8, out);
            case algorithm::crc32:
                return to_hex_be(state_, 4, out);
            case algorithm::fnv1a64:
                return to_hex_be(state_, 8, out);
        }
        return {};
    }

private:
    static std::runtime_error openssl_failed() {
        return std::runtime_error("hash: OpenSSL sha256 failed");
    }
    static uint64_t fnv1a64(uint64_t h, const char* data, size_t size) noexcept {
        for (size_t i = 0; i < size; ++i) h = (h ^ (unsigned char)data[i]) * fnv_prime;
        return h;
    }
    std::string_view sha256_hex(char* out) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        if (EVP_DigestFinal_ex(evp_, md, &n) != 1) throw openssl_failed();
        return to_hex(md, n, out);
    }

    algorithm algo_;
    const EVP_MD* md_;
    EVP_MD_CTX* evp_ = nullptr;
    XXH64_state_t* xxh_ = nullptr;
    uint64_t state_ = 0;  // crc32 or fnv1a64
};

struct fd_guard {
    int fd;
    ~fd_guard() {
        if (fd >= 0) ::close(fd);
    }
};

constexpr int stopped = -1;

/// Streams the file at `path` through `d`. Returns 0, an errno value, or `stopped` when the host
/// asked to give up part way (run cancelled, item timed out).
int stream_file(const char* path, digest& d, char* chunk, const emitter& out) {
    fd_guard f{::open(path, O_RDONLY | O_CLOEXEC)};
    if (f.fd < 0) return errno;
    ::posix_fadvise(f.fd, 0, 0, POSIX_FADV_SEQUENTIAL);  // a hint; failure is harmless
    for (;;) {
        ssize_t n = ::read(f.fd, chunk, chunk_size);
        if (n == 0) return 0;
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        d.update(chunk, size_t(n));
        if (out.should_stop()) return stopped;
    }
}

bool needs_escape(std::string_view name) noexcept {
    return name.find_first_of("\\\n\r") != std::string_view::npos;
}

/// Appends `name` the way GNU sha256sum prints it: a name holding '\', newline or CR makes the
/// line start with '\' and those characters are escaped, so every line stays one line.
void append_name(std::string& line, std::string_view name) {
    for (char c : name) {
        if (c == '\\')
            line += "\\\\";
        else if (c == '\n')
            line += "\\n";
        else if (c == '\r')
            line += "\\r";
        else
            line += c;
    }
}

class hash {
public:
    static constexpr const char* name = "hash";
    static constexpr const char* description =
        "Digest of each item (sha256, xxh64, crc32, fnv1a64), or of the file it names.";

    /// Per-thread digest state and buffers, reused for every item.
    struct worker {
        explicit worker(const hash& h)
            : state(h.algorithm_, h.md_.get()),
              chunk(h.file_mode_ ? std::make_unique<char[]>(chunk_size) : nullptr) {}
        digest state;
        std::unique_ptr<char[]> chunk;
        std::string path;  // the payload, NUL-terminated for open()
        std::string line;  // "HEX  NAME"
    };

    static std::vector<field> schema() {
        return {
            {"algorithm", WPRUN_TYPE_STRING, "sha256", false, "sha256 | xxh64 | crc32 | fnv1a64"},
            {"input", WPRUN_TYPE_STRING, "payload", false,
             "payload: hash the item's bytes; file: the item is a path, hash that file"}};
    }

    explicit hash(const wprun::config& cfg)
        : algorithm_(parse_algorithm(cfg.get_string("algorithm", "sha256"))),
          file_mode_(parse_file_mode(cfg.get_string("input", "payload"))),
          md_(algorithm_ == algorithm::sha256 ? fetch_sha256() : nullptr) {}

    result process(worker& w, const job& j, emitter& out) const {
        return file_mode_ ? hash_file(w, j, out) : hash_payload(w, j, out);
    }

private:
    static result hash_payload(worker& w, const job& j, const emitter& out) {
        char hex[max_hex];
        w.state.reset();
        w.state.update(j.payload.data(), j.payload.size());
        out.emit(w.state.hex(hex));
        return wprun::ok();
    }

    static result hash_file(worker& w, const job& j, const emitter& out) {
        if (j.payload.find('\0') != std::string_view::npos)
            return wprun::reject("cannot read file: its path contains a NUL byte");
        w.path.assign(j.payload);
        w.state.reset();
        int err = stream_file(w.path.c_str(), w.state, w.chunk.get(), out);
        if (err == stopped) return wprun::reject("hash: stopped before the end of " + w.path);
        if (err != 0)
            return wprun::reject("cannot read " + w.path + ": " +
                                 std::generic_category().message(err));
        emit_line(w, j.key.empty() ? j.payload : j.key, out);
        return wprun::ok();
    }

    static void emit_line(worker& w, std::string_view name, const emitter& out) {
        char hex[max_hex];
        w.line.clear();
        if (needs_escape(name)) w.line += '\\';
        w.line += w.state.hex(hex);
        w.line += "  ";
        append_name(w.line, name);
        out.emit(w.line);
    }

    algorithm algorithm_;
    bool file_mode_;
    md_handle md_;
};

}  // namespace

WPRUN_PLUGIN("hash", "1.0.0", hash)
