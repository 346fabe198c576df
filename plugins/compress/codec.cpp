#include "codec.h"

#include <zlib.h>
#include <zstd.h>

#include <vector>

namespace compress_plugin {
namespace {

constexpr size_t chunk = 64 * 1024;

class zstd_compressor final : public codec {
public:
    explicit zstd_compressor(int level) : ctx_(ZSTD_createCCtx()), level_(level) {
        if (!ctx_) throw std::bad_alloc();
    }
    ~zstd_compressor() override { ZSTD_freeCCtx(ctx_); }

    void begin() override {
        ZSTD_CCtx_reset(ctx_, ZSTD_reset_session_and_parameters);
        ZSTD_CCtx_setParameter(ctx_, ZSTD_c_compressionLevel, level_);
        ZSTD_CCtx_setParameter(ctx_, ZSTD_c_checksumFlag, 1);  // as the zstd tool writes it
    }

    bool step(std::string_view in, bool last, byte_sink& out, std::string& why) override {
        ZSTD_inBuffer input{in.data(), in.size(), 0};
        ZSTD_EndDirective mode = last ? ZSTD_e_end : ZSTD_e_continue;
        for (;;) {
            ZSTD_outBuffer output{buffer_.data(), buffer_.size(), 0};
            size_t left = ZSTD_compressStream2(ctx_, &output, &input, mode);
            if (ZSTD_isError(left)) {
                why = std::string("zstd: ") + ZSTD_getErrorName(left);
                return false;
            }
            if (output.pos && !out.write({buffer_.data(), output.pos}, why)) return false;
            bool done = last ? left == 0 : input.pos == input.size;
            if (done) return true;
        }
    }

private:
    ZSTD_CCtx* ctx_;
    int level_;
    std::vector<char> buffer_ = std::vector<char>(ZSTD_CStreamOutSize());
};

class zstd_decompressor final : public codec {
public:
    zstd_decompressor() : ctx_(ZSTD_createDCtx()) {
        if (!ctx_) throw std::bad_alloc();
    }
    ~zstd_decompressor() override { ZSTD_freeDCtx(ctx_); }

    void begin() override {
        ZSTD_DCtx_reset(ctx_, ZSTD_reset_session_only);
        frame_open_ = false;
        seen_ = false;
    }

    // zstd keeps the last byte of a frame until it has flushed all of that frame's output, so
    // looping until the input is used up also empties the context.
    bool step(std::string_view in, bool last, byte_sink& out, std::string& why) override {
        ZSTD_inBuffer input{in.data(), in.size(), 0};
        seen_ = seen_ || !in.empty();
        while (input.pos < input.size) {
            ZSTD_outBuffer output{buffer_.data(), buffer_.size(), 0};
            size_t hint = ZSTD_decompressStream(ctx_, &output, &input);
            if (ZSTD_isError(hint)) {
                why = std::string("zstd: ") + ZSTD_getErrorName(hint);
                return false;
            }
            frame_open_ = hint != 0;
            if (output.pos && !out.write({buffer_.data(), output.pos}, why)) return false;
        }
        if (last && (frame_open_ || !seen_)) {
            why =
                seen_ ? "zstd: truncated input (the last frame does not end)" : "zstd: empty input";
            return false;
        }
        return true;
    }

private:
    ZSTD_DCtx* ctx_;
    std::vector<char> buffer_ = std::vector<char>(ZSTD_DStreamOutSize());
    bool frame_open_ = false;
    bool seen_ = false;
};

std::string zlib_error(const char* what, const z_stream& z, int rc) {
    return std::string("gzip: ") + what + ": " + (z.msg ? z.msg : zError(rc));
}

class gzip_compressor final : public codec {
public:
    explicit gzip_compressor(int level) {
        // windowBits 15 + 16: a gzip header and trailer (CRC-32, size), as the gzip tool writes.
        if (deflateInit2(&z_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            throw std::bad_alloc();
    }
    ~gzip_compressor() override { deflateEnd(&z_); }

    void begin() override { deflateReset(&z_); }

    bool step(std::string_view in, bool last, byte_sink& out, std::string& why) override {
        z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        z_.avail_in = static_cast<uInt>(in.size());
        int flush = last ? Z_FINISH : Z_NO_FLUSH;
        for (;;) {
            z_.next_out = reinterpret_cast<Bytef*>(buffer_.data());
            z_.avail_out = static_cast<uInt>(buffer_.size());
            int rc = deflate(&z_, flush);
            if (rc == Z_STREAM_ERROR) {
                why = zlib_error("deflate", z_, rc);
                return false;
            }
            size_t n = buffer_.size() - z_.avail_out;
            if (n && !out.write({buffer_.data(), n}, why)) return false;
            if (last ? rc == Z_STREAM_END : z_.avail_in == 0 && z_.avail_out != 0) return true;
        }
    }

private:
    z_stream z_{};
    std::vector<char> buffer_ = std::vector<char>(chunk);
};

class gzip_decompressor final : public codec {
public:
    gzip_decompressor() {
        if (inflateInit2(&z_, 15 + 16) != Z_OK) throw std::bad_alloc();  // gzip only
    }
    ~gzip_decompressor() override { inflateEnd(&z_); }

    void begin() override {
        inflateReset(&z_);
        in_member_ = false;
        members_ = 0;
    }

    bool step(std::string_view in, bool last, byte_sink& out, std::string& why) override {
        z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        z_.avail_in = static_cast<uInt>(in.size());
        bool full = false;  // inflate filled the buffer: it may hold more output
        while (z_.avail_in > 0 || full) {
            if (!in_member_) {
                if (z_.avail_in == 0) break;
                if (!start_member(why)) return false;
            }
            if (!inflate_some(out, why, full)) return false;
        }
        if (last && (in_member_ || members_ == 0)) {
            why = members_ || in_member_ ? "gzip: truncated input (the last member does not end)"
                                         : "gzip: empty input";
            return false;
        }
        return true;
    }

private:
    // Another member may follow one that ended (as `cat a.gz b.gz` makes); anything else after
    // the end is refused rather than silently dropped.
    bool start_member(std::string& why) {
        if (members_ > 0 && z_.next_in[0] != 0x1f) {
            why = "gzip: trailing bytes after the end of the compressed data";
            return false;
        }
        inflateReset(&z_);
        in_member_ = true;
        return true;
    }

    bool inflate_some(byte_sink& out, std::string& why, bool& full) {
        z_.next_out = reinterpret_cast<Bytef*>(buffer_.data());
        z_.avail_out = static_cast<uInt>(buffer_.size());
        int rc = inflate(&z_, Z_NO_FLUSH);
        if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR || rc == Z_MEM_ERROR || rc == Z_STREAM_ERROR) {
            why = zlib_error("corrupt input", z_, rc);
            return false;
        }
        size_t n = buffer_.size() - z_.avail_out;
        full = z_.avail_out == 0 && rc != Z_BUF_ERROR;
        if (n && !out.write({buffer_.data(), n}, why)) return false;
        if (rc == Z_STREAM_END) {
            in_member_ = false;
            ++members_;
        }
        return true;
    }

    z_stream z_{};
    std::vector<char> buffer_ = std::vector<char>(chunk);
    bool in_member_ = false;
    size_t members_ = 0;
};

}  // namespace

std::unique_ptr<codec> make_codec(algorithm a, direction d, int level) {
    if (a == algorithm::zstd) {
        if (d == direction::compress) return std::make_unique<zstd_compressor>(level);
        return std::make_unique<zstd_decompressor>();
    }
    if (d == direction::compress) return std::make_unique<gzip_compressor>(level);
    return std::make_unique<gzip_decompressor>();
}

level_range levels(algorithm a) noexcept {
    if (a == algorithm::zstd)
        return {ZSTD_minCLevel() < -7 ? -7 : ZSTD_minCLevel(), ZSTD_maxCLevel(), 3};
    return {0, 9, 6};
}

bool detect(std::string_view head, algorithm& a) noexcept {
    if (head.size() >= 4 && head.substr(0, 4) == std::string_view("\x28\xb5\x2f\xfd", 4)) {
        a = algorithm::zstd;
        return true;
    }
    if (head.size() >= 2 && head.substr(0, 2) == "\x1f\x8b") {
        a = algorithm::gzip;
        return true;
    }
    return false;
}

}  // namespace compress_plugin
