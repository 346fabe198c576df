#include "io/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace wprun::io {
namespace {

[[noreturn]] void throw_errno(std::string_view what, const std::string& name) {
    throw std::runtime_error(std::string(what) + " '" + name + "': " + std::strerror(errno));
}

}  // namespace

output_file output_file::open_path(const std::filesystem::path& path, bool append) {
    // Like `mkdir -p`: an output folder such as `out/` is created on first use.
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
    int fd = ::open(path.c_str(), flags, 0666);
    if (fd < 0) throw_errno("cannot open for writing", path.string());
    output_file out(fd, true, path.string());
    off_t end = append ? ::lseek(fd, 0, SEEK_END) : 0;
    out.position_ = end > 0 ? static_cast<uint64_t>(end) : 0;
    return out;
}

output_file output_file::standard_output() {
    return output_file(STDOUT_FILENO, false, "standard output");
}

output_file output_file::standard_error() {
    return output_file(STDERR_FILENO, false, "standard error");
}

output_file::output_file(int fd, bool owned, std::string name)
    : fd_(fd), owned_(owned), name_(std::move(name)), buffer_(new char[buffer_size]) {}

output_file::output_file(output_file&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      owned_(std::exchange(other.owned_, false)),
      closed_(std::exchange(other.closed_, true)),
      name_(std::move(other.name_)),
      buffer_(std::move(other.buffer_)),
      used_(std::exchange(other.used_, 0)),
      position_(std::exchange(other.position_, 0)) {}

output_file::~output_file() {
    try {
        close();
    } catch (...) {
        // A destructor has no one to tell; sinks call close() to see the error.
    }
}

void output_file::flush() {
    if (used_ == 0) return;
    size_t n = std::exchange(used_, 0);
    write_all(buffer_.get(), n);
}

std::optional<uint64_t> output_file::sync() {
    if (!owned_) return std::nullopt;
    flush();
    if (::fdatasync(fd_) != 0 && errno != EINVAL) throw_errno("cannot sync", name_);
    return position_;
}

void output_file::close() {
    if (closed_) return;
    closed_ = true;
    try {
        flush();
    } catch (...) {
        if (owned_) ::close(fd_);  // do not leak the descriptor when the last write fails
        throw;
    }
    if (owned_ && ::close(fd_) != 0) throw_errno("cannot finish writing", name_);
}

void output_file::write_large(std::string_view bytes) {
    flush();
    position_ += bytes.size();
    if (bytes.size() >= buffer_size) return write_all(bytes.data(), bytes.size());
    std::memcpy(buffer_.get(), bytes.data(), bytes.size());
    used_ = bytes.size();
}

void output_file::write_all(const char* data, size_t size) {
    while (size > 0) {
        ssize_t n = ::write(fd_, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("cannot write to", name_);
        data += n;
        size -= static_cast<size_t>(n);
    }
}

}  // namespace wprun::io
