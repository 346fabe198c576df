// output_file: a buffered writer for standard output, standard error or a file.
//
// Every built-in sink writes through one of these: it keeps a 1 MiB buffer and hands it to the
// kernel with write(2) when full, so that writing a short line costs a memcpy, not a system call.
// Failures throw std::runtime_error naming the file and the system's reason (the engine turns a
// sink exception into a stopped run). Not thread-safe: sinks are called from one thread.
#pragma once

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace wprun::io {

class output_file {
public:
    static constexpr size_t buffer_size = size_t{1} << 20;

    /// Creates (or truncates, or appends to) `path`; throws std::runtime_error when it cannot.
    static output_file open_path(const std::filesystem::path& path, bool append);
    /// Writes to the process's standard output / error (never closed, only flushed).
    static output_file standard_output();
    static output_file standard_error();

    output_file(output_file&& other) noexcept;
    output_file& operator=(output_file&&) = delete;
    output_file(const output_file&) = delete;
    output_file& operator=(const output_file&) = delete;
    /// Flushes what is left, best effort: an error here cannot be reported, so call close().
    ~output_file();

    /// Appends bytes; flushes to the kernel when the buffer is full.
    void write(std::string_view bytes) {
        if (bytes.size() > buffer_size - used_) return write_large(bytes);
        std::memcpy(buffer_.get() + used_, bytes.data(), bytes.size());
        used_ += bytes.size();
        position_ += bytes.size();
    }
    void put(char c) {
        if (used_ == buffer_size) flush();
        buffer_[used_++] = c;
        ++position_;
    }
    /// Hands the buffered bytes to the kernel.
    void flush();
    /// Flushes and closes the file (not stdout/stderr). Safe to call more than once.
    void close();
    /// Flushes, then makes the file's data durable (fdatasync); returns the file's size as
    /// written through this writer (bytes it held when opened included). nullopt for standard
    /// output / error, which cannot be cut back on resume.
    std::optional<uint64_t> sync();
    /// The path, or "standard output" / "standard error", for messages.
    const std::string& name() const noexcept { return name_; }

private:
    output_file(int fd, bool owned, std::string name);
    void write_large(std::string_view bytes);
    void write_all(const char* data, size_t size);

    int fd_;
    bool owned_;
    bool closed_ = false;
    std::string name_;
    std::unique_ptr<char[]> buffer_;
    size_t used_ = 0;
    uint64_t position_ = 0;  ///< bytes in the file once the buffer is flushed
};

}  // namespace wprun::io
