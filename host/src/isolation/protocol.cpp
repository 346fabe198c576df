#include "isolation/protocol.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wprun::isolation {
namespace {

constexpr size_t header_bytes = 5;  // length (4) + type (1)
constexpr size_t read_chunk = size_t{64} << 10;

uint32_t load_u32(const char* p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
}

}  // namespace

void frame_writer::begin(frame_type type) {
    start_ = buf_.size();
    buf_.append(4, '\0');
    buf_.push_back(static_cast<char>(type));
}

void frame_writer::put_u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) buf_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void frame_writer::put_u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) buf_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void frame_writer::put_bytes(std::string_view bytes) {
    put_u32(static_cast<uint32_t>(std::min<size_t>(bytes.size(), max_frame_bytes)));
    buf_.append(bytes);
}

bool frame_writer::end() {
    size_t length = buf_.size() - start_ - 4;
    if (length > max_frame_bytes) {
        buf_.resize(start_);
        return false;
    }
    for (int i = 0; i < 4; ++i) buf_[start_ + i] = static_cast<char>((length >> (8 * i)) & 0xff);
    return true;
}

std::string_view frame_cursor::take(size_t n) {
    if (bad_ || rest_.size() < n) {
        bad_ = true;
        return {};
    }
    std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return out;
}

uint32_t frame_cursor::u32() {
    std::string_view b = take(4);
    return bad_ ? 0 : load_u32(b.data());
}

uint64_t frame_cursor::u64() {
    uint64_t lo = u32();
    uint64_t hi = u32();
    return lo | (hi << 32);
}

std::string_view frame_cursor::bytes() { return take(u32()); }

void frame_reader::reset(int fd) {
    fd_ = fd;
    begin_ = end_ = 0;
}

std::optional<frame> frame_reader::next() {
    if (end_ - begin_ < header_bytes) return std::nullopt;
    size_t length = load_u32(buf_.data() + begin_);
    if (length == 0 || end_ - begin_ - 4 < length) return std::nullopt;
    frame f{static_cast<frame_type>(buf_[begin_ + 4]),
            std::string_view(buf_.data() + begin_ + header_bytes, length - 1)};
    begin_ += 4 + length;
    return f;
}

frame_reader::fill_result frame_reader::fill(int wait_ms) {
    if (begin_ == end_) begin_ = end_ = 0;
    // Keep the unread part at the front and make room for the rest of the frame being read.
    if (begin_ > 0) {
        std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    size_t want = read_chunk;
    if (end_ >= 4) want = std::max(want, static_cast<size_t>(load_u32(buf_.data())) + 4 - end_);
    if (buf_.size() - end_ < want) buf_.resize(end_ + want);
    if (wait_ms >= 0) {  // a blocking read needs no poll
        pollfd p{fd_, POLLIN, 0};
        int ready = ::poll(&p, 1, wait_ms);
        if (ready == 0) return fill_result::timeout;
        if (ready < 0) return errno == EINTR ? fill_result::timeout : fill_result::error;
    }
    ssize_t got = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
    if (got == 0) return fill_result::eof;
    if (got < 0) return errno == EINTR || errno == EAGAIN ? fill_result::more : fill_result::error;
    end_ += static_cast<size_t>(got);
    return fill_result::more;
}

bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

}  // namespace wprun::isolation
