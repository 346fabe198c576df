// protocol: the frames wprun and a `wprun-worker` child exchange over their socket.
//
// A frame is a 4-byte little-endian length (of what follows), a 1-byte type and a body made of
// fixed-width little-endian integers and length-prefixed byte strings. The host sends `init` once
// (plugin file, processor, stage name, config), then `process` (one item) or `flush` (end of
// input); the child answers each with any number of `log` and `emit` frames and one `done`
// (status and message). `frame_writer` builds frames into a reusable buffer; `frame_reader`
// takes frames out of a socket, waiting at most a given time for more bytes.
// Thread-safety: one writer and one reader per socket, each used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wprun::isolation {

enum class frame_type : uint8_t {
    init = 1,     ///< host → child: plugin, processor, stage, config entries
    process = 2,  ///< host → child: seq, attempt, priority, time left (ns, 0 = none), key, payload
    flush = 3,    ///< host → child: end of input
    log = 10,     ///< child → host: level, message
    emit = 11,    ///< child → host: one output payload
    done = 12,    ///< child → host: status (int32), message
};

/// The largest frame either side accepts (the length field is 32 bits).
inline constexpr size_t max_frame_bytes = UINT32_MAX;

/// Builds frames into one buffer: `begin`, `put_*`, `end`, then send `data()`.
class frame_writer {
public:
    void begin(frame_type type);
    void put_u32(uint32_t v);
    void put_u64(uint64_t v);
    void put_bytes(std::string_view bytes);
    /// Writes the frame's length; false when the frame is longer than `max_frame_bytes`.
    bool end();
    void clear() { buf_.clear(); }
    std::string_view data() const { return buf_; }

private:
    std::string buf_;
    size_t start_ = 0;
};

/// A received frame; `body` points into the reader's buffer until the next `next`/`fill`.
struct frame {
    frame_type type;
    std::string_view body;
};

/// Reads the fields of a frame body in order; any read past the end sets `bad`.
class frame_cursor {
public:
    explicit frame_cursor(std::string_view body) : rest_(body) {}
    uint32_t u32();
    uint64_t u64();
    std::string_view bytes();
    bool bad() const { return bad_; }

private:
    std::string_view take(size_t n);
    std::string_view rest_;
    bool bad_ = false;
};

/// Takes frames out of a socket or pipe.
class frame_reader {
public:
    enum class fill_result { more, eof, timeout, error };
    explicit frame_reader(int fd = -1) : fd_(fd) {}
    void reset(int fd);
    /// The next complete frame already received, if any.
    std::optional<frame> next();
    /// Waits up to `wait_ms` (-1: forever) for bytes and appends them to the buffer.
    fill_result fill(int wait_ms);

private:
    int fd_;
    std::vector<char> buf_;
    size_t begin_ = 0, end_ = 0;
};

/// Sends all of `data`; false when the peer is gone or another error occurs (never SIGPIPE).
bool send_all(int fd, std::string_view data);

}  // namespace wprun::isolation
