#include "io/joblog.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <system_error>

namespace wprun::io {
namespace {

constexpr size_t flush_at = size_t{64} << 10;

[[noreturn]] void throw_errno(const std::string& what, const std::string& name) {
    throw std::runtime_error("job log: " + what + " '" + name + "': " + std::strerror(errno));
}

void append_escaped(std::string& out, std::string_view text) {
    for (char ch : text) {
        switch (ch) {
            case '\t':
                out += "\\t";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\\':
                out += "\\\\";
                break;
            default:
                out += ch;
        }
    }
}

/// Appends nanoseconds as seconds with 3 decimals ("12.345").
void append_seconds(std::string& out, int64_t ns) {
    int64_t ms = std::max<int64_t>(ns, 0) / 1'000'000;
    fmt::format_to(std::back_inserter(out), "{}.{:03}", ms / 1000, ms % 1000);
}

/// The seq a job log line starts with, if it is one.
std::optional<uint64_t> seq_of(std::string_view line) {
    uint64_t seq = 0;
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), seq);
    if (ec != std::errc{} || end == line.data() || end == line.data() + line.size() || *end != '\t')
        return std::nullopt;
    return seq;
}

/// Whether `line` (read from a job log, without its newline) belongs in the cut-back log.
bool keep_line(std::string_view line,
               bool first,
               const engine::seq_set& done,
               engine::seq_set& kept) {
    std::string_view header = joblog::header;
    if (first && line == header.substr(0, header.size() - 1)) return true;
    std::optional<uint64_t> seq = seq_of(line);
    if (!seq || !done.contains(*seq) || kept.contains(*seq)) return false;
    kept.insert(*seq);
    return true;
}

}  // namespace

uint64_t cut_back_joblog(const std::filesystem::path& path, const engine::seq_set& done) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return 0;
    std::filesystem::path cut = path.string() + ".cut";
    std::ofstream out(cut, std::ios::binary | std::ios::trunc);
    if (!out) throw_errno("cannot write", cut.string());
    engine::seq_set kept;
    uint64_t dropped = 0;
    bool first = true;
    for (std::string line; std::getline(in, line); first = false) {
        bool torn = in.eof();  // the last line had no newline: a crash cut it
        if (!torn && keep_line(line, first, done, kept))
            out << line << '\n';
        else
            ++dropped;
    }
    out.close();
    if (!out || in.bad()) throw_errno("cannot cut back", path.string());
    std::error_code ec;
    std::filesystem::rename(cut, path, ec);
    if (ec)
        throw std::runtime_error("job log: cannot replace '" + path.string() +
                                 "': " + ec.message());
    return dropped;
}

void append_joblog_line(std::string& out, const engine::completed_item& c) {
    fmt::format_to(std::back_inserter(out), "{}\t", c.seq);
    append_escaped(out, c.stage);
    out += '\t';
    append_seconds(out, c.started_ns);
    out += '\t';
    append_seconds(out, c.started_ns && c.finished_ns ? c.finished_ns - c.started_ns : 0);
    fmt::format_to(std::back_inserter(out), "\t{}\t{}\t", engine::outcome_name(c.result),
                   c.attempts);
    append_escaped(out, c.message);
    out += '\n';
}

std::string joblog_line(const engine::completed_item& c) {
    std::string line;
    append_joblog_line(line, c);
    return line;
}

std::unique_ptr<joblog> joblog::open(const std::filesystem::path& path) {
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0) throw_errno("cannot open", path.string());
    std::unique_ptr<joblog> log(new joblog(fd, path.string()));
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_size == 0) log->buffer_ = header;
    log->write_out();
    return log;
}

joblog::joblog(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}

joblog::~joblog() {
    try {
        write_out();
    } catch (...) {
        // Best effort: the final checkpoint already wrote everything in a normal run.
    }
    ::close(fd_);
}

void joblog::completed(const engine::completed_item& c) {
    append_joblog_line(buffer_, c);
    if (buffer_.size() >= flush_at) write_out();
}

void joblog::checkpoint(engine::sink&, engine::error_sink&, const engine::checkpoint_info&) {
    write_out();
}

void joblog::write_out() {
    const char* data = buffer_.data();
    size_t left = buffer_.size();
    while (left > 0) {
        ssize_t n = ::write(fd_, data, left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            buffer_.clear();
            throw_errno("cannot write to", name_);
        }
        data += n;
        left -= static_cast<size_t>(n);
    }
    buffer_.clear();
}

}  // namespace wprun::io
