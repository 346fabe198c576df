// compress: zstd and gzip, in both directions, on an item's bytes or on the file an item names.
//
// `compress` and `decompress` share everything but the direction. Payload mode turns the item's
// bytes into the output (decompression stops at `max_output`, so a small bomb cannot exhaust
// memory). File mode streams the named file in 64 KiB chunks into `output_dir` (constant memory
// whatever the size), writing a temporary file that is renamed into place only when complete,
// and emits the output's path. The streams are the zstd and gzip tools' formats: each side
// reads what the other writes (the tests check both ways).
//
// Thread-safety: the instance is read-only after create; each worker owns its codecs and buffer.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include <wprun/plugin.hpp>

#include "codec.h"

namespace {

namespace fs = std::filesystem;
using compress_plugin::algorithm;
using compress_plugin::byte_sink;
using compress_plugin::codec;
using compress_plugin::direction;
using wprun::config_error;
using wprun::emitter;
using wprun::field;
using wprun::job;
using wprun::result;

constexpr size_t chunk_size = 64 * 1024;

std::string error_text(int err) {
    const char* text = ::strerrordesc_np(err);
    return text ? text : "error " + std::to_string(err);
}

/// Collects output into a string, refusing more than `limit` bytes.
class string_sink final : public byte_sink {
public:
    string_sink(std::string& out, uint64_t limit) : out_(out), limit_(limit) {}
    bool write(std::string_view bytes, std::string& why) override {
        if (out_.size() + bytes.size() > limit_) {
            why = "output larger than max_output (" + std::to_string(limit_) + " bytes)";
            return false;
        }
        out_ += bytes;
        return true;
    }

private:
    std::string& out_;
    uint64_t limit_;
};

/// Writes output to a file descriptor it owns; the file is removed unless `keep` is called.
class file_sink final : public byte_sink {
public:
    explicit file_sink(std::string path) : path_(std::move(path)) {
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd_ < 0) error_ = errno;
    }
    ~file_sink() override {
        if (fd_ >= 0) ::close(fd_);
        if (!kept_) ::unlink(path_.c_str());
    }
    int open_error() const noexcept { return error_; }
    bool write(std::string_view bytes, std::string& why) override {
        while (!bytes.empty()) {
            ssize_t n = ::write(fd_, bytes.data(), bytes.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                why = "cannot write " + path_ + ": " + error_text(errno);
                return false;
            }
            bytes.remove_prefix(size_t(n));
        }
        return true;
    }
    /// Closes and renames the file to `final_path`; false with `why` on failure.
    bool keep(const std::string& final_path, std::string& why) {
        int fd = fd_;
        fd_ = -1;
        if (::close(fd) != 0 || ::rename(path_.c_str(), final_path.c_str()) != 0) {
            why = "cannot write " + final_path + ": " + error_text(errno);
            return false;
        }
        kept_ = true;
        return true;
    }

private:
    std::string path_;
    int fd_ = -1;
    int error_ = 0;
    bool kept_ = false;
};

/// An input file, closed on scope exit.
struct input_file {
    explicit input_file(const std::string& path) : fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
        if (fd >= 0) ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    ~input_file() {
        if (fd >= 0) ::close(fd);
    }
    /// Reads up to buf.size() bytes; returns the count, 0 at the end, -1 with errno on error.
    ssize_t read(std::vector<char>& buf) const {
        for (;;) {
            ssize_t n = ::read(fd, buf.data(), buf.size());
            if (n >= 0 || errno != EINTR) return n;
        }
    }
    int fd;
};

algorithm parse_algorithm(const std::string& v, const char* processor, bool allow_auto) {
    if (v == "zstd") return algorithm::zstd;
    if (v == "gzip") return algorithm::gzip;
    throw config_error(std::string(processor) + ": unknown algorithm '" + v +
                       "' (valid: " + (allow_auto ? "auto, " : "") + "zstd, gzip)");
}

/// `compress` (D = compress) and `decompress` (D = decompress).
template <direction D>
class codec_processor {
public:
    static constexpr bool compressing = D == direction::compress;
    static constexpr const char* name = compressing ? "compress" : "decompress";
    static constexpr const char* description =
        compressing ? "Compresses each item, or the file it names, with zstd or gzip."
                    : "Decompresses each item, or the file it names, from zstd or gzip.";

    static std::vector<field> schema() {
        std::vector<field> f = {
            {"algorithm", WPRUN_TYPE_STRING, compressing ? "zstd" : "auto", false,
             compressing ? "zstd or gzip" : "auto (from the data's first bytes), zstd or gzip"},
            {"input", WPRUN_TYPE_STRING, "payload", false,
             "payload: the item's bytes; file: the item is a path, the output a file in "
             "output_dir"},
            {"output_dir", WPRUN_TYPE_STRING, nullptr, false,
             "file mode: the folder for outputs (made if missing); names come from the item's "
             "key, or the input's file name"},
            {"max_output", WPRUN_TYPE_SIZE, "64MiB", false,
             "payload mode: the largest output; a larger one rejects the item"},
        };
        if (compressing)
            f.push_back({"level", WPRUN_TYPE_INT, nullptr, false,
                         "zstd: -7 to 22, default 3; gzip: 0 to 9, default 6"});
        return f;
    }

    explicit codec_processor(const wprun::config& cfg)
        : auto_(cfg.get_string("algorithm") == "auto" && !compressing),
          algorithm_(auto_ ? algorithm::zstd
                           : parse_algorithm(cfg.get_string("algorithm"), name, !compressing)),
          level_(parse_level(cfg)),
          file_mode_(parse_input(cfg.get_string("input"))),
          output_dir_(cfg.get_string("output_dir")),
          max_output_(cfg.get_size("max_output")) {
        if (file_mode_ && output_dir_.empty())
            throw config_error(std::string(name) + ": input: file needs 'output_dir'");
        if (!file_mode_ && !output_dir_.empty())
            throw config_error(std::string(name) + ": 'output_dir' is for input: file only");
    }

    struct worker {
        explicit worker(const codec_processor& p) : self(p) {}
        codec& get(algorithm a) {
            auto& slot = a == algorithm::zstd ? zstd : gzip;
            if (!slot) slot = compress_plugin::make_codec(a, D, self.level_for(a));
            return *slot;
        }
        const codec_processor& self;
        std::unique_ptr<codec> zstd, gzip;
        std::string out;
        std::vector<char> buffer = std::vector<char>(chunk_size);
    };

    result process(worker& w, const job& j, emitter& out) const {
        return file_mode_ ? process_file(w, j, out) : process_payload(w, j, out);
    }

private:
    int parse_level(const wprun::config& cfg) const {
        if (!compressing || !cfg.has("level")) return level_unset;
        int64_t level = cfg.get_int("level");
        auto range = compress_plugin::levels(algorithm_);
        if (level < range.min || level > range.max)
            throw config_error(std::string(name) + ": level " + std::to_string(level) +
                               " is out of range for " + cfg.get_string("algorithm") + " (" +
                               std::to_string(range.min) + " to " + std::to_string(range.max) +
                               ")");
        return int(level);
    }
    static bool parse_input(const std::string& v) {
        if (v == "payload" || v == "file") return v == "file";
        throw config_error(std::string(name) + ": unknown input '" + v +
                           "' (valid: payload, file)");
    }
    int level_for(algorithm a) const noexcept {
        return level_ != level_unset ? level_ : compress_plugin::levels(a).fallback;
    }

    /// The algorithm for data starting with `head`; false with `why` when auto finds none.
    bool choose(std::string_view head, algorithm& a, std::string& why) const {
        a = algorithm_;
        if (!auto_ || compress_plugin::detect(head, a)) return true;
        why = std::string(name) + ": neither zstd nor gzip data (unknown first bytes)";
        return false;
    }

    result process_payload(worker& w, const job& j, emitter& out) const {
        std::string why;
        algorithm a{};
        if (!choose(j.payload, a, why)) return wprun::reject(why);
        codec& c = w.get(a);
        c.begin();
        w.out.clear();
        string_sink sink(w.out, max_output_);
        if (!c.step(j.payload, true, sink, why))
            return wprun::reject(std::string(name) + ": " + why);
        out.emit(w.out);
        return wprun::ok();
    }

    result process_file(worker& w, const job& j, emitter& out) const;
    /// The output path for input `path` with key `key`, or empty with `why`.
    std::string output_path(const job& j, algorithm a, std::string& why) const;

    static constexpr int level_unset = -1000;
    bool auto_;
    algorithm algorithm_;
    int level_;
    bool file_mode_;
    std::string output_dir_;
    uint64_t max_output_;
};

template <direction D>
std::string codec_processor<D>::output_path(const job& j, algorithm a, std::string& why) const {
    fs::path rel = j.key.empty() ? fs::path(j.payload).filename() : fs::path(j.key);
    bool bad = rel.empty() || rel.is_absolute();
    for (const fs::path& part : rel) bad = bad || part == "..";
    if (bad) {
        why = std::string(name) + ": cannot name an output for '" +
              std::string(j.key.empty() ? j.payload : j.key) +
              "' (the key must be a relative path without ..)";
        return {};
    }
    std::string ext = a == algorithm::zstd ? ".zst" : ".gz";
    std::string file = rel.string();
    if (compressing)
        file += ext;
    else if (file.size() > ext.size() &&
             file.compare(file.size() - ext.size(), ext.size(), ext) == 0)
        file.resize(file.size() - ext.size());
    else
        file += ".out";
    return (fs::path(output_dir_) / file).string();
}

template <direction D>
result codec_processor<D>::process_file(worker& w, const job& j, emitter& out) const {
    std::string path(j.payload);
    if (path.find('\0') != std::string::npos || path.empty())
        return wprun::reject(std::string(name) + ": the item is not a file path");
    input_file in(path);
    ssize_t n = in.fd < 0 ? -1 : in.read(w.buffer);
    if (n < 0) return wprun::reject("cannot read " + path + ": " + error_text(errno));
    std::string why;
    algorithm a{};
    if (!choose({w.buffer.data(), size_t(n)}, a, why)) return wprun::reject(why + " in " + path);
    std::string target = output_path(j, a, why);
    if (target.empty()) return wprun::reject(why);
    std::error_code ec;
    fs::create_directories(fs::path(target).parent_path(), ec);
    file_sink sink(target + ".wprun-tmp-" + std::to_string(j.seq));
    if (sink.open_error())
        return wprun::reject("cannot write " + target + ": " + error_text(sink.open_error()));
    codec& c = w.get(a);
    c.begin();
    for (; n > 0; n = in.read(w.buffer)) {
        if (!c.step({w.buffer.data(), size_t(n)}, false, sink, why))
            return wprun::reject(std::string(name) + ": " + why + " (" + path + ")");
        if (out.should_stop())
            return wprun::reject(std::string(name) + ": stopped before the end of " + path);
    }
    if (n < 0) return wprun::reject("cannot read " + path + ": " + error_text(errno));
    if (!c.step({}, true, sink, why) || !sink.keep(target, why))
        return wprun::reject(std::string(name) + ": " + why + " (" + path + ")");
    out.emit(target);
    return wprun::ok();
}

using compress = codec_processor<direction::compress>;
using decompress = codec_processor<direction::decompress>;

}  // namespace

WPRUN_PLUGIN("compress", "1.0.0", compress, decompress)
