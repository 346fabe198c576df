// codec: streaming zstd and gzip compression and decompression, one chunk at a time, into a
// byte_sink — so a payload and a file of any size go through the same code with bounded memory
// (one 64 KiB output buffer per worker).
//
// A codec is made once per worker (its zstd context or zlib stream is reused across items) and
// `begin` starts each item. Decompression accepts concatenated frames/members, as the zstd and
// gzip tools do, and refuses truncated or corrupt input and trailing bytes that are not another
// frame. Thread-safety: one codec per worker thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace compress_plugin {

/// Where a codec's output goes: appended to a payload, or written to a file.
class byte_sink {
public:
    virtual ~byte_sink() = default;
    /// Takes `bytes`; false (with `why`) stops the codec, e.g. output too large or a write error.
    virtual bool write(std::string_view bytes, std::string& why) = 0;
};

enum class algorithm { zstd, gzip };
enum class direction { compress, decompress };

class codec {
public:
    virtual ~codec() = default;
    /// Starts a new item.
    virtual void begin() = 0;
    /// Feeds the next input chunk (`last`: no more follow) and writes what it produces to
    /// `out`. False with `why` on corrupt input or when `out` refuses.
    virtual bool step(std::string_view in, bool last, byte_sink& out, std::string& why) = 0;
};

/// Makes a codec; `level` is used for compression only (range checked by the caller).
std::unique_ptr<codec> make_codec(algorithm a, direction d, int level);

/// The compression level range of `a` and its default.
struct level_range {
    int min, max, fallback;
};
level_range levels(algorithm a) noexcept;

/// The algorithm whose frame starts `head` (zstd or gzip magic), or false.
bool detect(std::string_view head, algorithm& a) noexcept;

}  // namespace compress_plugin
