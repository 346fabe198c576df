#include "io/journal.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace wprun::io {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view magic = "wprun-journal 1 ";

[[noreturn]] void throw_errno(const std::string& what, const std::string& name) {
    throw std::runtime_error("resume journal: " + what + " '" + name +
                             "': " + std::strerror(errno));
}

int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::optional<uint64_t> parse_uint(std::string_view text) {
    uint64_t v = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size() || text.empty())
        return std::nullopt;
    return v;
}

/// The line's content when its hash matches; nullopt for a torn or damaged line.
std::optional<std::string_view> checked(std::string_view line) {
    size_t space = line.rfind(' ');
    if (space == std::string_view::npos) return std::nullopt;
    std::string_view body = line.substr(0, space);
    if (journal_hash(body) != line.substr(space + 1)) return std::nullopt;
    return body;
}

std::vector<std::string_view> words(std::string_view text) {
    std::vector<std::string_view> out;
    for (size_t at = 0; at <= text.size();) {
        size_t space = std::min(text.find(' ', at), text.size());
        out.push_back(text.substr(at, space - at));
        at = space + 1;
    }
    return out;
}

bool read_ranges(std::string_view text, std::vector<std::pair<uint64_t, uint64_t>>& into) {
    if (text == ".") return true;
    for (size_t at = 0; at <= text.size();) {
        size_t comma = std::min(text.find(',', at), text.size());
        std::string_view r = text.substr(at, comma - at);
        size_t dash = r.find('-');
        auto first = parse_uint(r.substr(0, dash));
        auto last = dash == std::string_view::npos ? first : parse_uint(r.substr(dash + 1));
        if (!first || !last) return false;
        into.emplace_back(*first, *last);
        at = comma + 1;
    }
    return true;
}

std::optional<uint64_t> read_bytes(std::string_view text, bool& ok) {
    if (text == "-") return std::nullopt;
    auto v = parse_uint(text);
    ok = ok && v.has_value();
    return v;
}

/// Applies one commit ("c ...") or end ("e") line; false when it is not one.
bool apply(std::string_view body, journal_state& st) {
    auto w = words(body);
    if (w.size() == 1 && w[0] == "e") return st.finished = true;
    if (w.size() != 4 || w[0] != "c") return false;
    bool ok = true;
    auto sink = read_bytes(w[1], ok);
    auto errors = read_bytes(w[2], ok);
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    if (!ok || !read_ranges(w[3], ranges)) return false;
    for (const auto& [first, last] : ranges) st.done.insert(first, last);
    st.sink_bytes = sink;
    st.errors_bytes = errors;
    ++st.commits;
    return true;
}

std::string bytes_text(std::optional<uint64_t> v) { return v ? std::to_string(*v) : "-"; }

/// Opens `dir`/`name` for appending, creating the folder; `name` "journal.new" is made empty.
int open_journal(const fs::path& dir, const char* name) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    fs::path file = dir / name;
    bool fresh = std::string_view(name) != "journal";
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (fresh ? O_TRUNC : 0);
    int fd = ::open(file.c_str(), flags, 0666);
    if (fd < 0) throw_errno("cannot open", file.string());
    return fd;
}

/// Makes a rename in `dir` durable.
void sync_folder(const fs::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

}  // namespace

std::string journal_hash(std::string_view text) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return fmt::format("{:016x}", h);
}

std::optional<journal_state> read_journal(const fs::path& dir) {
    fs::path file = dir / "journal";
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    std::string all = text.str();
    journal_state st;
    size_t at = 0;
    for (bool first = true;; first = false) {
        size_t nl = all.find('\n', at);
        if (nl == std::string::npos) break;  // a torn last line (or none)
        auto body = checked(std::string_view(all).substr(at, nl - at));
        if (first && (!body || body->substr(0, magic.size()) != magic))
            throw std::runtime_error("'" + file.string() +
                                     "' is not a wprun resume journal; remove the folder or "
                                     "choose another with --state-dir");
        if (!body || (!first && !apply(*body, st))) break;  // damaged: the rest is not trusted
        if (first) st.fingerprint = std::string(body->substr(magic.size()));
        at = nl + 1;
        st.valid_bytes = at;
    }
    if (st.valid_bytes == 0)
        throw std::runtime_error("'" + file.string() + "' is empty or damaged; remove the folder");
    return st;
}

std::unique_ptr<journal> journal::start(const fs::path& dir,
                                        const std::string& fingerprint,
                                        std::optional<uint64_t> sink_bytes,
                                        std::optional<uint64_t> errors_bytes,
                                        cadence every) {
    // Written whole under another name, then renamed: a crash never leaves a half-made journal.
    fs::path made = dir / "journal.new";
    std::unique_ptr<journal> j(new journal(open_journal(dir, "journal.new"), made.string(), every));
    j->append(std::string(magic) + fingerprint);
    j->append("c " + bytes_text(sink_bytes) + " " + bytes_text(errors_bytes) + " .");
    std::error_code ec;
    fs::rename(made, dir / "journal", ec);
    if (ec)
        throw std::runtime_error("resume journal: cannot create '" + (dir / "journal").string() +
                                 "': " + ec.message());
    j->name_ = (dir / "journal").string();
    sync_folder(dir);
    return j;
}

std::unique_ptr<journal> journal::resume(const fs::path& dir,
                                         const journal_state& state,
                                         cadence every) {
    int fd = open_journal(dir, "journal");
    if (::ftruncate(fd, static_cast<off_t>(state.valid_bytes)) != 0 ||
        ::lseek(fd, 0, SEEK_END) < 0) {
        ::close(fd);
        throw_errno("cannot cut back", (dir / "journal").string());
    }
    std::unique_ptr<journal> j(new journal(fd, (dir / "journal").string(), every));
    j->commits_ = state.commits;
    return j;
}

journal::journal(int fd, std::string name, cadence every)
    : fd_(fd), name_(std::move(name)), every_(every), last_commit_ns_(steady_ns()) {}

journal::~journal() { ::close(fd_); }

void journal::completed(const engine::completed_item& c) {
    if (c.result != engine::outcome::cancelled) pending_.push_back(c.seq);
}

void journal::checkpoint(engine::sink& out,
                         engine::error_sink& errors,
                         const engine::checkpoint_info& info) {
    if (info.cancelled) stopped_ = true;  // what completes from now on may be partial
    if (stopped_) return;
    bool due = pending_.size() >= every_.every_items ||
               (!pending_.empty() && steady_ns() - last_commit_ns_ >= every_.every_ns);
    if (due || info.final) commit(out, errors);
    if (info.final && info.complete) append("e");
}

void journal::commit(engine::sink& out, engine::error_sink& errors) {
    std::optional<uint64_t> sink_bytes = out.commit();
    std::optional<uint64_t> errors_bytes = errors.commit();
    std::sort(pending_.begin(), pending_.end());
    std::string ranges;
    for (const auto& [first, last] : engine::ranges_of(pending_)) {
        if (!ranges.empty()) ranges += ',';
        ranges += first == last ? std::to_string(first) : fmt::format("{}-{}", first, last);
    }
    append("c " + bytes_text(sink_bytes) + " " + bytes_text(errors_bytes) + " " +
           (ranges.empty() ? "." : ranges));
    pending_.clear();
    last_commit_ns_ = steady_ns();
    ++commits_;
}

void journal::append(std::string line) {
    line += ' ' + journal_hash(line) + '\n';
    const char* data = line.data();
    size_t left = line.size();
    while (left > 0) {
        ssize_t n = ::write(fd_, data, left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("cannot write to", name_);
        data += n;
        left -= static_cast<size_t>(n);
    }
    if (::fdatasync(fd_) != 0) throw_errno("cannot sync", name_);
}

}  // namespace wprun::io

namespace wprun::io {

fs::path output_target(const engine::io_spec& spec, const fs::path& base_dir) {
    const engine::option* o = spec.opts.find("path");
    if (o == nullptr) o = spec.opts.find("dir");
    if (o == nullptr || o->value == "-") return {};
    fs::path p(o->value);
    if (!p.is_absolute() && !base_dir.empty()) p = base_dir / p;
    return p.lexically_normal();
}

void cut_back_output(engine::io_spec& spec,
                     const fs::path& base_dir,
                     std::optional<uint64_t> bytes) {
    spec.resume = true;
    const engine::option* o = spec.opts.find("path");
    if (!bytes || o == nullptr || o->value == "-") return;
    fs::path file = output_target(spec, base_dir);
    std::error_code ec;
    uint64_t size = fs::exists(file, ec) ? fs::file_size(file, ec) : 0;
    if (ec || size < *bytes)
        throw std::runtime_error(fmt::format(
            "'{}' holds {} bytes, fewer than the {} its last commit recorded: it was changed "
            "since, so the run cannot be resumed (remove the state folder to start again)",
            file.string(), size, *bytes));
    if (size > *bytes) fs::resize_file(file, *bytes, ec);
    if (ec)
        throw std::runtime_error("cannot cut '" + file.string() +
                                 "' back to its last commit: " + ec.message());
}

}  // namespace wprun::io
