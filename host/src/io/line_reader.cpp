#include "io/line_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace wprun::io {
namespace {

[[noreturn]] void throw_error(std::string_view what, const std::string& name, int error) {
    throw std::runtime_error(std::string(what) + " '" + name + "': " + std::strerror(error));
}

}  // namespace

line_reader line_reader::open_path(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw_error("cannot open", path.string(), errno);
    struct stat st {};
    // Opening a folder succeeds; say so now rather than fail on the first read.
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd);
        throw_error("cannot read lines from", path.string(), EISDIR);
    }
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return line_reader(fd, true, path.string());
}

line_reader line_reader::standard_input() {
    return line_reader(STDIN_FILENO, false, "standard input");
}

line_reader::line_reader(int fd, bool owned, std::string name)
    : fd_(fd), owned_(owned), name_(std::move(name)), buffer_(new char[chunk_size]) {}

line_reader::line_reader(line_reader&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      owned_(std::exchange(other.owned_, false)),
      eof_(other.eof_),
      name_(std::move(other.name_)),
      buffer_(std::move(other.buffer_)),
      capacity_(other.capacity_),
      begin_(other.begin_),
      scan_(other.scan_),
      end_(other.end_),
      line_number_(other.line_number_),
      max_line_(other.max_line_),
      truncated_(other.truncated_) {}

line_reader::~line_reader() {
    if (owned_) ::close(fd_);
}

bool line_reader::next(std::string_view& line) {
    truncated_ = false;
    for (;;) {
        if (take_line(line)) break;
        if (end_ - begin_ > max_line_) return skip_long_line(line);
        if (eof_) {
            if (!take_rest(line)) return false;
            break;
        }
        refill();
    }
    cut(line);
    return true;
}

void line_reader::cut(std::string_view& line) noexcept {
    if (line.size() <= max_line_) return;
    line = line.substr(0, std::min<uint64_t>(kept_bytes, max_line_));
    truncated_ = true;
}

// The line in the buffer has no "\n" yet and is already too long: keep its first bytes and
// drop the rest, chunk by chunk, up to its "\n" or the end of input.
bool line_reader::skip_long_line(std::string_view& line) {
    size_t keep = static_cast<size_t>(std::min<uint64_t>(kept_bytes, max_line_));
    truncated_ = true;
    ++line_number_;
    for (;;) {
        end_ = scan_ = begin_ + keep;  // what follows the kept bytes has no "\n": drop it
        if (eof_) break;
        refill();
        const char* base = buffer_.get();
        const void* nl = std::memchr(base + scan_, '\n', end_ - scan_);
        if (nl != nullptr) {
            line = std::string_view(base + begin_, keep);
            begin_ = scan_ = static_cast<size_t>(static_cast<const char*>(nl) - base) + 1;
            return true;
        }
    }
    line = std::string_view(buffer_.get() + begin_, keep);
    begin_ = scan_ = end_;
    return true;
}

bool line_reader::take_line(std::string_view& line) {
    const char* base = buffer_.get();
    const void* nl = std::memchr(base + scan_, '\n', end_ - scan_);
    if (nl == nullptr) {
        scan_ = end_;  // the next search starts at the new bytes only
        return false;
    }
    size_t at = static_cast<size_t>(static_cast<const char*>(nl) - base);
    size_t len = at - begin_;
    if (len > 0 && base[at - 1] == '\r') --len;
    line = std::string_view(base + begin_, len);
    begin_ = scan_ = at + 1;
    ++line_number_;
    return true;
}

bool line_reader::take_rest(std::string_view& line) {
    if (begin_ == end_) return false;
    line = std::string_view(buffer_.get() + begin_, end_ - begin_);
    begin_ = scan_ = end_;
    ++line_number_;
    return true;
}

void line_reader::refill() {
    make_room();
    for (;;) {
        ssize_t n = ::read(fd_, buffer_.get() + end_, capacity_ - end_);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_error("cannot read", name_, errno);
        if (n == 0) eof_ = true;
        end_ += static_cast<size_t>(n);
        return;
    }
}

// Moves the unread part to the front, or doubles the buffer when one line fills it (but not past
// one byte more than the limit: a line that long is skipped, not buffered).
void line_reader::make_room() {
    size_t unread = end_ - begin_;
    if (begin_ > 0) {
        std::memmove(buffer_.get(), buffer_.get() + begin_, unread);
        scan_ -= begin_;
        begin_ = 0;
        end_ = unread;
    }
    if (end_ < capacity_) return;
    size_t grown = max_line_ < capacity_ * 2 ? static_cast<size_t>(max_line_) + 1 : capacity_ * 2;
    std::unique_ptr<char[]> bigger(new char[grown]);
    std::memcpy(bigger.get(), buffer_.get(), end_);
    buffer_ = std::move(bigger);
    capacity_ = grown;
}

}  // namespace wprun::io
