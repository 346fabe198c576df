#include "isolation/protocol.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include "isolation/child_process.h"

namespace wprun::isolation {
namespace {

struct socket_pair {
    int fd[2] = {-1, -1};
    socket_pair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd), 0); }
    ~socket_pair() {
        for (int f : fd)
            if (f >= 0) ::close(f);
    }
    void close_writer() {
        ::close(fd[0]);
        fd[0] = -1;
    }
};

/// Reads one frame from `r`, filling as needed (false at the end of the stream).
std::optional<frame> read_one(frame_reader& r) {
    for (;;) {
        if (auto f = r.next()) return f;
        if (r.fill(1000) != frame_reader::fill_result::more) return std::nullopt;
    }
}

TEST(FrameProtocol, FramesComeOutAsTheyWentIn) {
    socket_pair s;
    frame_writer w;
    w.begin(frame_type::done);
    w.put_u32(2);
    w.put_bytes("bad item");
    ASSERT_TRUE(w.end());
    w.begin(frame_type::process);
    w.put_u64(0x0102030405060708ull);
    w.put_bytes(std::string("a\0b", 3));
    ASSERT_TRUE(w.end());
    ASSERT_TRUE(send_all(s.fd[0], w.data()));
    frame_reader r(s.fd[1]);
    auto first = read_one(r);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->type, frame_type::done);
    frame_cursor c1(first->body);
    EXPECT_EQ(c1.u32(), 2u);
    EXPECT_EQ(c1.bytes(), "bad item");
    EXPECT_FALSE(c1.bad());
    auto second = read_one(r);
    ASSERT_TRUE(second);
    frame_cursor c2(second->body);
    EXPECT_EQ(c2.u64(), 0x0102030405060708ull);
    EXPECT_EQ(c2.bytes(), std::string("a\0b", 3));
}

TEST(FrameProtocol, AFrameLargerThanOneReadArrivesWhole) {
    socket_pair s;
    std::string big(3 << 20, 'x');
    big.back() = 'y';
    frame_writer w;
    w.begin(frame_type::emit);
    w.put_bytes(big);
    ASSERT_TRUE(w.end());
    pid_t pid = ::fork();  // the writer blocks until the reader drains the socket
    if (pid == 0) _exit(send_all(s.fd[0], w.data()) ? 0 : 1);
    frame_reader r(s.fd[1]);
    auto f = read_one(r);
    ASSERT_TRUE(f);
    frame_cursor c(f->body);
    EXPECT_EQ(c.bytes(), big);
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(FrameProtocol, APartialFrameIsNotAFrameYet) {
    socket_pair s;
    frame_writer w;
    w.begin(frame_type::emit);
    w.put_bytes("hello");
    ASSERT_TRUE(w.end());
    std::string_view all = w.data();
    ASSERT_TRUE(send_all(s.fd[0], all.substr(0, 7)));
    frame_reader r(s.fd[1]);
    EXPECT_EQ(r.fill(1000), frame_reader::fill_result::more);
    EXPECT_FALSE(r.next());
    ASSERT_TRUE(send_all(s.fd[0], all.substr(7)));
    auto f = read_one(r);
    ASSERT_TRUE(f);
    EXPECT_EQ(frame_cursor(f->body).bytes(), "hello");
}

TEST(FrameProtocol, TheReaderSeesTheEndOfTheStreamAndTimeouts) {
    socket_pair s;
    frame_reader r(s.fd[1]);
    EXPECT_EQ(r.fill(0), frame_reader::fill_result::timeout);
    s.close_writer();
    EXPECT_EQ(r.fill(1000), frame_reader::fill_result::eof);
}

TEST(FrameProtocol, ATruncatedBodyIsBad) {
    frame_cursor c(
        std::string_view("\x05\x00\x00\x00"
                         "abc",
                         7));  // says 5 bytes, has 3
    c.bytes();
    EXPECT_TRUE(c.bad());
    frame_cursor d(std::string_view("\x01\x02", 2));
    d.u32();
    EXPECT_TRUE(d.bad());
}

TEST(FrameProtocol, SendingToAClosedPeerFailsWithoutSigpipe) {
    socket_pair s;
    ::close(s.fd[1]);
    s.fd[1] = -1;
    EXPECT_FALSE(send_all(s.fd[0], "anything"));
}

TEST(DescribeExit, NamesTheSignalOrTheStatus) {
    EXPECT_EQ(describe_exit(W_EXITCODE(0, SIGSEGV)), "signal 11 (SIGSEGV)");
    EXPECT_EQ(describe_exit(W_EXITCODE(0, SIGABRT)), "signal 6 (SIGABRT)");
    EXPECT_EQ(describe_exit(W_EXITCODE(3, 0)), "exited with status 3");
}

}  // namespace
}  // namespace wprun::isolation
