// seq_hash: the sequential baseline of workload W2: read a file of lines, fnv1a64 each line as
// the `hash` plugin does, write one 16-hex-digit line per input line, in order.
//
//     seq_hash INPUT OUTPUT
// Lines are split as the lines source does: without "\n", without a "\r" just before it; a
// last line without "\n" still counts. Input is read in 1 MiB chunks, output written in 1 MiB
// chunks: the same I/O sizes as wprun's line reader and file output.
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "work.h"

namespace {

constexpr size_t chunk = size_t{1} << 20;

class output {
public:
    explicit output(std::FILE* f) : f_(f) { buf_.reserve(chunk + 64); }
    void line(const char (&hex)[16]) {
        buf_.append(hex, 16);
        buf_.push_back('\n');
        if (buf_.size() >= chunk) flush();
    }
    bool flush() {
        bool ok = std::fwrite(buf_.data(), 1, buf_.size(), f_) == buf_.size();
        buf_.clear();
        return ok;
    }

private:
    std::FILE* f_;
    std::string buf_;
};

void hash_line(std::string_view line, output& out) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    char hex[16];
    wprun::bench::fnv1a64_hex(line, hex);
    out.line(hex);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: seq_hash INPUT OUTPUT\n");
        return 2;
    }
    std::FILE* in = std::fopen(argv[1], "rb");
    std::FILE* outf = std::fopen(argv[2], "wb");
    if (in == nullptr || outf == nullptr) {
        std::perror("seq_hash");
        return 1;
    }
    output out(outf);
    std::vector<char> buf(chunk);
    size_t held = 0, lines = 0;
    for (;;) {
        size_t got = std::fread(buf.data() + held, 1, buf.size() - held, in);
        size_t end = held + got;
        size_t start = 0;
        for (const char* nl;
             (nl = static_cast<const char*>(std::memchr(buf.data() + start, '\n', end - start)));) {
            size_t at = static_cast<size_t>(nl - buf.data());
            hash_line({buf.data() + start, at - start}, out);
            ++lines;
            start = at + 1;
        }
        held = end - start;
        std::memmove(buf.data(), buf.data() + start, held);
        if (got == 0) break;
        if (held == buf.size()) buf.resize(buf.size() * 2);  // one line longer than the buffer
    }
    if (held > 0) {
        hash_line({buf.data(), held}, out);
        ++lines;
    }
    bool ok = out.flush() && std::fclose(outf) == 0;
    std::fclose(in);
    std::printf("lines=%zu\n", lines);
    return ok ? 0 : 1;
}
