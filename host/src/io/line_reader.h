// line_reader: reads a file or standard input line by line, in large chunks.
//
// The lines and jsonl sources read through this. It reads 1 MiB at a time into one buffer and
// hands out views into it, so a line costs a memchr and no allocation (the buffer only grows when
// one line is longer than it). A line is returned without its "\n" and without a "\r" just before
// it; a last line without "\n" still counts; empty lines are lines. With limit(), a line longer
// than the limit is cut and the rest skipped, so the buffer never grows past the limit (or 1 MiB).
// Not thread-safe: a source is read from one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace wprun::io {

class line_reader {
public:
    static constexpr size_t chunk_size = size_t{1} << 20;

    /// Opens `path` for reading; throws std::runtime_error (path and reason) when it cannot,
    /// including when it is a folder.
    static line_reader open_path(const std::filesystem::path& path);
    /// Reads the process's standard input (never closed).
    static line_reader standard_input();

    line_reader(line_reader&& other) noexcept;
    line_reader& operator=(line_reader&&) = delete;
    line_reader(const line_reader&) = delete;
    line_reader& operator=(const line_reader&) = delete;
    ~line_reader();

    /// Sets `line` to the next line and returns true, or returns false at the end of input.
    /// The view stays valid until the next call. Throws std::runtime_error on a read error.
    bool next(std::string_view& line);
    /// Caps a line's length: a longer line is returned cut to its first `kept_bytes` with
    /// truncated() true, and the rest of it is skipped without buffering it.
    void limit(uint64_t max_line) noexcept { max_line_ = max_line; }
    /// Whether the line last returned by next() was longer than the limit (and was cut).
    bool truncated() const noexcept { return truncated_; }
    static constexpr size_t kept_bytes = 1024;
    /// 1-based number of the line last returned by next() (0 before the first).
    uint64_t line_number() const noexcept { return line_number_; }
    /// The path, or "standard input", for messages.
    const std::string& name() const noexcept { return name_; }

private:
    line_reader(int fd, bool owned, std::string name);
    bool take_line(std::string_view& line);
    bool take_rest(std::string_view& line);
    bool skip_long_line(std::string_view& line);
    void cut(std::string_view& line) noexcept;
    void refill();
    void make_room();

    int fd_;
    bool owned_;
    bool eof_ = false;
    std::string name_;
    std::unique_ptr<char[]> buffer_;
    size_t capacity_ = chunk_size;
    size_t begin_ = 0;  ///< start of the unread part
    size_t scan_ = 0;   ///< bytes before this were already searched for "\n"
    size_t end_ = 0;    ///< end of the bytes read so far
    uint64_t line_number_ = 0;
    uint64_t max_line_ = UINT64_MAX;
    bool truncated_ = false;
};

}  // namespace wprun::io
