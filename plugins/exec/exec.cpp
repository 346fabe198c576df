// exec: runs a command per item, like GNU parallel or `xargs -P`, without a shell by default.
//
// The command is split into argv once, at create (POSIX-shell-like quoting), and each argument's
// placeholders are filled in per item: an item is always part of exactly the argument it was
// placed in, so it can never add arguments or shell syntax. Each call spawns the child in its own
// process group and drives its stdin, stdout and stderr from one poll loop with a hard deadline;
// on timeout, host stop or too much output the group gets SIGTERM, then SIGKILL after
// `kill_grace`. The child is always reaped, and whatever it left in its group killed, before the
// call returns.
//
// Thread-safety: the instance is read-only after create; each worker owns its buffers.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <wprun/plugin.hpp>

extern char** environ;

namespace {

using wprun::config_error;
using wprun::emitter;
using wprun::field;
using wprun::job;
using wprun::result;

constexpr int64_t us = 1'000;  // nanoseconds
constexpr int64_t ms = 1'000'000;
constexpr int64_t sec = 1'000'000'000;
constexpr int64_t stop_check_ns = 10 * ms;  // how often a quiet child's call checks should_stop()
constexpr size_t chunk_size = 64 * 1024;
constexpr size_t stderr_tail = 200;

int64_t monotonic_ns() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);  // the clock the host's deadlines use
    return int64_t(ts.tv_sec) * sec + ts.tv_nsec;
}

/// "200ms", "2s", "1500us": the shortest exact form, for messages.
std::string format_duration(int64_t ns) {
    if (ns % sec == 0) return std::to_string(ns / sec) + "s";
    if (ns % ms == 0) return std::to_string(ns / ms) + "ms";
    if (ns % us == 0) return std::to_string(ns / us) + "us";
    return std::to_string(ns) + "ns";
}

/// "64MiB", "4KiB", "100 bytes", for messages.
std::string format_size(uint64_t n) {
    constexpr std::array<const char*, 3> units = {"GiB", "MiB", "KiB"};
    for (size_t i = 0; i < units.size(); ++i) {
        uint64_t unit = uint64_t(1) << (10 * (3 - i));
        if (n >= unit && n % unit == 0) return std::to_string(n / unit) + units[i];
    }
    return std::to_string(n) + " bytes";
}

// ---- The command template ----------------------------------------------------------------

/// Splits a command into words like a POSIX shell does: blanks separate words; 'single quotes'
/// keep everything; "double quotes" keep everything but \\ \" \$ \` and \newline; a backslash
/// outside quotes keeps the next character. Nothing else is special: no $, |, ;, globs.
class word_splitter {
public:
    explicit word_splitter(std::string_view s) : s_(s) {}

    std::vector<std::string> split() {
        for (i_ = 0; i_ < s_.size(); ++i_) step(s_[i_]);
        end_word();
        return std::move(words_);
    }

private:
    void step(char c) {
        if (c == ' ' || c == '\t' || c == '\n') return end_word();
        if (c == '\\' && i_ + 1 < s_.size() && s_[i_ + 1] == '\n') {
            ++i_;  // line continuation
            return;
        }
        in_word_ = true;
        if (c == '\'') return single_quoted();
        if (c == '"') return double_quoted();
        if (c == '\\') {
            if (++i_ == s_.size()) throw config_error("exec: 'command' ends with a lone backslash");
            c = s_[i_];
        }
        word_ += c;
    }
    void single_quoted() {
        size_t end = s_.find('\'', i_ + 1);
        if (end == std::string_view::npos)
            throw config_error("exec: unterminated single quote in 'command'");
        word_.append(s_.substr(i_ + 1, end - i_ - 1));
        i_ = end;
    }
    void double_quoted() {
        for (++i_; i_ < s_.size(); ++i_) {
            char c = s_[i_];
            if (c == '"') return;
            if (c == '\\' && i_ + 1 < s_.size() && std::strchr("\\\"$`\n", s_[i_ + 1])) {
                if (s_[++i_] != '\n') word_ += s_[i_];
                continue;
            }
            word_ += c;
        }
        throw config_error("exec: unterminated double quote in 'command'");
    }
    void end_word() {
        if (in_word_) words_.push_back(std::move(word_));
        word_.clear();
        in_word_ = false;
    }

    std::string_view s_;
    size_t i_ = 0;
    std::string word_;
    bool in_word_ = false;
    std::vector<std::string> words_;
};

enum class piece_kind : uint8_t { text, payload, seq, key, attempt };

struct piece {
    piece_kind kind;
    std::string text;  ///< for piece_kind::text
};

constexpr std::array<std::pair<std::string_view, piece_kind>, 4> placeholders = {{
    {"{payload}", piece_kind::payload},
    {"{seq}", piece_kind::seq},
    {"{key}", piece_kind::key},
    {"{attempt}", piece_kind::attempt},
}};

/// One argument: literal text, or pieces to fill per item.
struct arg_template {
    std::string literal;  ///< the whole argument when `pieces` is empty
    std::vector<piece> pieces;
};

piece_kind placeholder_kind(std::string_view name) {
    for (const auto& [text, kind] : placeholders)
        if (name == text) return kind;
    throw config_error("exec: unknown placeholder '" + std::string(name) +
                       "' in 'command' (known: {payload}, {seq}, {key}, {attempt}; write {{ and }} "
                       "for literal braces)");
}

arg_template parse_arg(const std::string& word) {
    arg_template t;
    for (size_t i = 0; i < word.size(); ++i) {
        char c = word[i];
        bool doubled = i + 1 < word.size() && word[i + 1] == c;
        if ((c == '{' || c == '}') && doubled) ++i;
        if (c == '}' && !doubled)
            throw config_error("exec: unmatched '}' in 'command' argument '" + word +
                               "' (write }} for a literal brace)");
        if (c != '{' || doubled) {
            t.literal += c;
            continue;
        }
        size_t end = word.find('}', i);
        if (end == std::string::npos)
            throw config_error("exec: unmatched '{' in 'command' argument '" + word +
                               "' (write {{ for a literal brace)");
        piece_kind kind = placeholder_kind(std::string_view(word).substr(i, end - i + 1));
        if (!t.literal.empty()) t.pieces.push_back({piece_kind::text, std::move(t.literal)});
        t.literal.clear();
        t.pieces.push_back({kind, {}});
        i = end;
    }
    if (!t.pieces.empty() && !t.literal.empty())
        t.pieces.push_back({piece_kind::text, std::move(t.literal)});
    return t;
}

/// Appends `value` to `out`; false when it holds a NUL byte, which no argument can carry.
bool append_text(std::string& out, std::string_view value) {
    if (value.find('\0') != std::string_view::npos) return false;
    out.append(value);
    return true;
}

// ---- Config helpers ------------------------------------------------------------------------

using code_set = std::array<bool, 256>;

std::string_view trim_blanks(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

/// "0", "0, 1", "" (none): exit codes 0..255.
code_set parse_codes(const wprun::config& cfg, const char* name) {
    code_set codes{};
    std::string text = cfg.get_string(name);
    std::string_view rest = text;
    if (trim_blanks(rest).empty()) return codes;
    for (;;) {
        size_t comma = rest.find(',');
        std::string_view item = trim_blanks(rest.substr(0, comma));
        int code = -1;
        auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), code);
        if (ec != std::errc() || p != item.data() + item.size() || code < 0 || code > 255)
            throw config_error(std::string("exec: '") + name +
                               "' must be comma-separated exit codes 0..255, got '" + text + "'");
        codes[size_t(code)] = true;
        if (comma == std::string_view::npos) return codes;
        rest.remove_prefix(comma + 1);
    }
}

std::string one_of(const wprun::config& cfg,
                   const char* name,
                   std::initializer_list<std::string_view> valid) {
    std::string v = cfg.get_string(name);
    for (std::string_view ok : valid)
        if (v == ok) return v;
    std::string list;
    for (std::string_view ok : valid) list += (list.empty() ? "" : ", ") + std::string(ok);
    throw config_error(std::string("exec: unknown ") + name + " '" + v + "' (valid: " + list + ")");
}

int64_t non_negative_duration(const wprun::config& cfg, const char* name) {
    int64_t v = cfg.get_duration_ns(name);
    if (v < 0) throw config_error(std::string("exec: '") + name + "' must be >= 0");
    return v;
}

// ---- Process plumbing ----------------------------------------------------------------------

/// An owned file descriptor.
class unique_fd {
public:
    unique_fd() = default;
    explicit unique_fd(int fd) noexcept : fd_(fd) {}
    unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    unique_fd& operator=(unique_fd&& o) noexcept {
        reset(std::exchange(o.fd_, -1));
        return *this;
    }
    ~unique_fd() { reset(); }
    int get() const noexcept { return fd_; }
    void reset(int fd = -1) noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

/// A pipe whose both ends are close-on-exec and whose `parent` end is non-blocking.
struct pipe_pair {
    unique_fd parent;
    unique_fd child;

    /// `parent_writes`: the parent holds the write end (the child's stdin).
    static int open(pipe_pair& p, bool parent_writes) noexcept {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) return errno;
        p.parent.reset(fds[parent_writes ? 1 : 0]);
        p.child.reset(fds[parent_writes ? 0 : 1]);
        ::fcntl(p.parent.get(), F_SETFL, O_NONBLOCK);
        return 0;
    }
};

/// Blocks SIGPIPE in this thread for its lifetime, so that a write to a child that has gone
/// fails with EPIPE instead of killing the process; consumes the SIGPIPE such a write left
/// pending before unblocking.
class sigpipe_block {
public:
    sigpipe_block() noexcept {
        ::sigemptyset(&set_);
        ::sigaddset(&set_, SIGPIPE);
        ::pthread_sigmask(SIG_BLOCK, &set_, &old_);
        sigset_t pending;
        ::sigpending(&pending);
        was_pending_ = ::sigismember(&pending, SIGPIPE) == 1;
    }
    ~sigpipe_block() {
        sigset_t pending;
        ::sigpending(&pending);
        timespec zero{};
        if (!was_pending_ && ::sigismember(&pending, SIGPIPE) == 1)
            while (::sigtimedwait(&set_, nullptr, &zero) < 0 && errno == EINTR) {
            }
        ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }
    sigpipe_block(const sigpipe_block&) = delete;
    sigpipe_block& operator=(const sigpipe_block&) = delete;

private:
    sigset_t set_{};
    sigset_t old_{};
    bool was_pending_ = false;
};

/// Spawn attributes shared by every call: own process group, empty signal mask and default
/// dispositions, whatever the host's worker threads block or ignore.
class spawn_attributes {
public:
    spawn_attributes() {
        ::posix_spawnattr_init(&attr_);
        sigset_t none, all;
        ::sigemptyset(&none);
        ::sigfillset(&all);
        ::posix_spawnattr_setsigmask(&attr_, &none);
        ::posix_spawnattr_setsigdefault(&attr_, &all);
        ::posix_spawnattr_setpgroup(&attr_, 0);
        ::posix_spawnattr_setflags(
            &attr_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    }
    ~spawn_attributes() { ::posix_spawnattr_destroy(&attr_); }
    spawn_attributes(const spawn_attributes&) = delete;
    spawn_attributes& operator=(const spawn_attributes&) = delete;
    const posix_spawnattr_t* get() const noexcept { return &attr_; }

private:
    posix_spawnattr_t attr_{};
};

/// File actions of one spawn: the pipes (or /dev/null) on 0, 1, 2; every other fd closed.
class file_actions {
public:
    file_actions() noexcept { ::posix_spawn_file_actions_init(&fa_); }
    ~file_actions() { ::posix_spawn_file_actions_destroy(&fa_); }
    file_actions(const file_actions&) = delete;
    file_actions& operator=(const file_actions&) = delete;

    void dup(int fd, int target) noexcept { ::posix_spawn_file_actions_adddup2(&fa_, fd, target); }
    void null(int target, int flags) noexcept {
        ::posix_spawn_file_actions_addopen(&fa_, target, "/dev/null", flags, 0);
    }
    void close_others() noexcept { ::posix_spawn_file_actions_addclosefrom_np(&fa_, 3); }
    const posix_spawn_file_actions_t* get() const noexcept { return &fa_; }

private:
    posix_spawn_file_actions_t fa_{};
};

/// A pollable handle that becomes readable when `pid` exits (Linux 5.3+), or -1.
unique_fd open_pidfd(pid_t pid) noexcept {
#ifdef SYS_pidfd_open
    return unique_fd(int(::syscall(SYS_pidfd_open, pid, 0)));
#else
    (void)pid;
    return unique_fd();
#endif
}

/// True once `pid` has exited; it stays a zombie (not reaped), so its group id stays ours.
bool has_exited(pid_t pid) noexcept {
    siginfo_t info{};
    while (::waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) < 0)
        if (errno != EINTR) return true;
    return info.si_pid == pid;
}

/// strerror's text, thread-safe.
std::string error_text(int err) {
    const char* text = ::strerrordesc_np(err);
    return text ? text : "error " + std::to_string(err);
}

std::string describe_signal(int sig) {
    const char* abbrev = ::sigabbrev_np(sig);
    std::string out = "killed by signal " + std::to_string(sig);
    return abbrev ? out + " (SIG" + abbrev + ")" : out;
}

/// Why a call killed its child's group, if it did.
enum class ending { none, timeout, deadline, stopped, too_large };

/// When and why one call kills its child's process group: SIGTERM at the first of its own
/// timeout, the host's deadline, the host's stop flag or too much output; SIGKILL `grace` later.
class kill_schedule {
public:
    kill_schedule(int64_t timeout_ns, int64_t grace_ns, const emitter& out)
        : out_(out), grace_ns_(grace_ns) {
        int64_t now = monotonic_ns();
        if (timeout_ns > 0) timeout_at_ = now + timeout_ns;
        if (uint64_t d = out.deadline_ns())
            deadline_at_ = int64_t(std::min<uint64_t>(d, INT64_MAX));
    }

    /// Sends the signals due at `now`; returns when to look again.
    int64_t tick(pid_t pid, int64_t now, bool too_large) {
        if (why_ == ending::none) why_ = due(now, too_large);
        if (why_ != ending::none && kill_at_ == 0) {
            ::kill(-pid, SIGTERM);
            kill_at_ = now + grace_ns_;
        }
        if (kill_at_ > 0 && now >= kill_at_ && !killed_) {
            ::kill(-pid, SIGKILL);
            killed_ = true;
        }
        int64_t next = now + stop_check_ns;  // should_stop() can only be polled
        if (why_ == ending::none) return std::min({next, timeout_at_, deadline_at_});
        return killed_ ? next : std::min(next, kill_at_);
    }
    ending why() const noexcept { return why_; }

private:
    ending due(int64_t now, bool too_large) const {
        if (now >= timeout_at_) return ending::timeout;
        if (now >= deadline_at_) return ending::deadline;
        if (out_.should_stop()) return ending::stopped;
        return too_large ? ending::too_large : ending::none;
    }

    const emitter& out_;
    int64_t grace_ns_;
    int64_t timeout_at_ = INT64_MAX;
    int64_t deadline_at_ = INT64_MAX;
    int64_t kill_at_ = 0;
    bool killed_ = false;
    ending why_ = ending::none;
};

// ---- The processor -------------------------------------------------------------------------

enum class stdin_mode { payload, none };
enum class output_mode { whole, lines, none };

class exec {
public:
    static constexpr const char* name = "exec";
    static constexpr const char* description =
        "Runs a command per item (no shell unless asked), like GNU parallel or xargs -P.";

    static std::vector<field> schema() {
        return {
            {"command", WPRUN_TYPE_STRING, nullptr, true,
             "program and arguments, shell-like quoting; placeholders {payload} {seq} {key} "
             "{attempt}"},
            {"shell", WPRUN_TYPE_BOOL, "false", false,
             "run /bin/sh -c COMMAND (no placeholders allowed)"},
            {"stdin", WPRUN_TYPE_STRING, "payload", false, "payload or none"},
            {"output", WPRUN_TYPE_STRING, "stdout", false, "stdout, lines or none"},
            {"trim_newline", WPRUN_TYPE_BOOL, "true", false,
             "output stdout: drop one trailing newline"},
            {"ok_codes", WPRUN_TYPE_STRING, "0", false, "exit codes that mean OK"},
            {"retry_codes", WPRUN_TYPE_STRING, "75", false, "exit codes that mean RETRY"},
            {"timeout", WPRUN_TYPE_DURATION, "0", false, "hard limit per item; 0 = none"},
            {"kill_grace", WPRUN_TYPE_DURATION, "2s", false, "SIGTERM to SIGKILL delay"},
            {"max_output", WPRUN_TYPE_SIZE, "64MiB", false, "largest stdout accepted"},
        };
    }

    explicit exec(const wprun::config& cfg)
        : shell_(cfg.get_bool("shell")),
          stdin_(one_of(cfg, "stdin", {"payload", "none"}) == "payload" ? stdin_mode::payload
                                                                        : stdin_mode::none),
          output_(parse_output(cfg)),
          trim_newline_(cfg.get_bool("trim_newline", true)),
          ok_codes_(parse_codes(cfg, "ok_codes")),
          retry_codes_(parse_codes(cfg, "retry_codes")),
          timeout_ns_(non_negative_duration(cfg, "timeout")),
          kill_grace_ns_(non_negative_duration(cfg, "kill_grace")),
          max_output_(cfg.get_size("max_output")) {
        parse_command(cfg.get_string("command"));
        for (size_t c = 0; c < 256; ++c)
            if (ok_codes_[c] && retry_codes_[c])
                throw config_error("exec: exit code " + std::to_string(c) +
                                   " is in both 'ok_codes' and 'retry_codes'");
        if (max_output_ == 0) throw config_error("exec: 'max_output' must be > 0");
        snapshot_environment(cfg.stage_name());
    }

    /// Per-thread state: argv and environment being built, output buffers; all reused.
    struct worker {
        explicit worker(const exec& e) {
            for (const std::string& s : e.environment_) env.push_back(const_cast<char*>(s.c_str()));
            base_env = env.size();
        }
        std::vector<std::string> args;  ///< the arguments with placeholders, filled per item
        std::vector<char*> argv;
        std::array<std::string, 3> item_env;  ///< WPRUN_SEQ, WPRUN_KEY, WPRUN_ATTEMPT
        std::vector<char*> env;
        size_t base_env = 0;
        std::string out;  ///< the child's stdout
        std::string err;  ///< the end of the child's stderr
        std::vector<char> chunk = std::vector<char>(chunk_size);
    };

    result process(worker& w, const job& j, emitter& out) const {
        if (result r = build_argv(w, j); !r.is_ok()) return r;
        if (result r = build_env(w, j); !r.is_ok()) return r;
        w.out.clear();
        w.err.clear();
        ending why = ending::none;
        int wait_status = 0;
        if (result r = run(w, j, out, why, wait_status); !r.is_ok()) return r;
        return finish(w, out, j.payload, why, wait_status);
    }

private:
    static output_mode parse_output(const wprun::config& cfg) {
        std::string v = one_of(cfg, "output", {"stdout", "lines", "none"});
        return v == "stdout"  ? output_mode::whole
               : v == "lines" ? output_mode::lines
                              : output_mode::none;
    }

    void parse_command(const std::string& command) {
        if (command.find_first_not_of(" \t\n") == std::string::npos)
            throw config_error("exec: 'command' is empty");
        if (shell_) {
            for (const auto& [text, kind] : placeholders)
                if (command.find(text) != std::string::npos)
                    throw config_error(
                        "exec: placeholder " + std::string(text) +
                        " is not allowed with shell: true (an item substituted into a shell "
                        "script could inject commands); read the item from stdin or "
                        "$WPRUN_SEQ, $WPRUN_KEY, $WPRUN_ATTEMPT");
            args_ = {{"/bin/sh", {}}, {"-c", {}}, {command, {}}};
            return;
        }
        for (const std::string& word : word_splitter(command).split())
            args_.push_back(parse_arg(word));
    }

    void snapshot_environment(std::string_view stage) {
        constexpr std::array<std::string_view, 4> ours = {
            "WPRUN_SEQ=", "WPRUN_KEY=", "WPRUN_ATTEMPT=", "WPRUN_STAGE="};
        for (char** e = environ; e && *e; ++e) {
            std::string_view entry(*e);
            if (std::none_of(ours.begin(), ours.end(),
                             [&](std::string_view p) { return entry.substr(0, p.size()) == p; }))
                environment_.emplace_back(entry);
        }
        environment_.push_back("WPRUN_STAGE=" + std::string(stage));
    }

    static bool fill(std::string& out, const piece& p, const job& j) {
        char buf[24];
        switch (p.kind) {
            case piece_kind::text:
                out += p.text;
                return true;
            case piece_kind::payload:
                return append_text(out, j.payload);
            case piece_kind::key:
                return append_text(out, j.key);
            case piece_kind::seq:
                out.append(buf, std::to_chars(buf, buf + sizeof buf, j.seq).ptr);
                return true;
            case piece_kind::attempt:
                out.append(buf, std::to_chars(buf, buf + sizeof buf, j.attempt).ptr);
                return true;
        }
        return true;
    }

    result build_argv(worker& w, const job& j) const {
        w.args.resize(args_.size());
        w.argv.clear();
        for (size_t i = 0; i < args_.size(); ++i) {
            const arg_template& t = args_[i];
            if (t.pieces.empty()) {
                w.argv.push_back(const_cast<char*>(t.literal.c_str()));
                continue;
            }
            w.args[i].clear();
            for (const piece& p : t.pieces)
                if (!fill(w.args[i], p, j))
                    return wprun::reject(
                        "exec: the item's payload or key holds a NUL byte and "
                        "cannot be passed as an argument (use stdin)");
            w.argv.push_back(w.args[i].data());
        }
        w.argv.push_back(nullptr);
        return wprun::ok();
    }

    static result build_env(worker& w, const job& j) {
        if (j.key.find('\0') != std::string_view::npos)
            return wprun::reject("exec: the item's key holds a NUL byte (cannot be WPRUN_KEY)");
        w.item_env[0] = "WPRUN_SEQ=" + std::to_string(j.seq);
        w.item_env[1] = "WPRUN_KEY=";
        w.item_env[1] += j.key;
        w.item_env[2] = "WPRUN_ATTEMPT=" + std::to_string(j.attempt);
        w.env.resize(w.base_env);
        for (std::string& s : w.item_env) w.env.push_back(s.data());
        w.env.push_back(nullptr);
        return wprun::ok();
    }

    /// Spawns the child, runs the poll loop until it exits, and reaps it.
    result run(worker& w, const job& j, const emitter& out, ending& why, int& wait_status) const {
        pipe_pair in, child_out, child_err;
        bool feed = stdin_ == stdin_mode::payload;
        bool capture = output_ != output_mode::none;
        int err = feed ? pipe_pair::open(in, true) : 0;
        if (!err && capture) err = pipe_pair::open(child_out, false);
        if (!err) err = pipe_pair::open(child_err, false);
        if (err) return wprun::retry("exec: cannot create a pipe: " + error_text(err));

        file_actions fa;
        feed ? fa.dup(in.child.get(), 0) : fa.null(0, O_RDONLY);
        capture ? fa.dup(child_out.child.get(), 1) : fa.null(1, O_WRONLY);
        fa.dup(child_err.child.get(), 2);
        fa.close_others();
        pid_t pid = 0;
        err = ::posix_spawnp(&pid, w.argv[0], fa.get(), attributes_.get(), w.argv.data(),
                             w.env.data());
        if (err) return spawn_failed(w.argv[0], err);
        in.child.reset();
        child_out.child.reset();
        child_err.child.reset();
        if (j.payload.empty()) in.parent.reset();

        why = pump(w, j.payload, out, pid, in.parent, child_out.parent, child_err.parent);
        while (::waitpid(pid, &wait_status, 0) < 0)
            if (errno != EINTR)
                return wprun::reject("exec: lost the exit status of '" + std::string(w.argv[0]) +
                                     "': " + error_text(errno) + " (is SIGCHLD ignored?)");
        return wprun::ok();
    }

    static result spawn_failed(const char* program, int err) {
        std::string message = "exec: cannot run '" + std::string(program) + "': " + error_text(err);
        bool transient = err == EAGAIN || err == ENOMEM || err == EMFILE || err == ENFILE;
        return transient ? wprun::retry(std::move(message)) : wprun::reject(std::move(message));
    }

    /// The poll loop: feeds stdin, collects stdout and stderr, enforces the deadlines. Returns
    /// once the child has exited and the rest of its group is killed, with why the group was
    /// killed early (ending::none if it was not).
    ending pump(worker& w,
                std::string_view payload,
                const emitter& out,
                pid_t pid,
                unique_fd& in,
                unique_fd& child_out,
                unique_fd& child_err) const {
        std::optional<sigpipe_block> no_sigpipe;
        if (in.get() >= 0) no_sigpipe.emplace();
        unique_fd exited = open_pidfd(pid);
        kill_schedule schedule(timeout_ns_, kill_grace_ns_, out);
        size_t written = 0;
        for (;;) {
            int64_t now = monotonic_ns();
            int64_t wake = schedule.tick(pid, now, w.out.size() > max_output_);
            if (schedule.why() != ending::none) in.reset();
            if (exited.get() < 0) {  // no pidfd (Linux < 5.3): look every millisecond
                if (has_exited(pid)) break;
                wake = std::min(wake, now + ms);
            }
            std::array<pollfd, 4> fds{{{in.get(), POLLOUT, 0},
                                       {child_out.get(), POLLIN, 0},
                                       {child_err.get(), POLLIN, 0},
                                       {exited.get(), POLLIN, 0}}};
            int64_t wait = std::max<int64_t>(0, wake - now);
            timespec ts{time_t(wait / sec), long(wait % sec)};
            int n = ::ppoll(fds.data(), fds.size(), &ts, nullptr);
            if (n <= 0) continue;  // timeout or EINTR
            if (fds[0].revents) write_some(in, payload, written);
            if (fds[1].revents) read_some(w, child_out, true);
            if (fds[2].revents) read_some(w, child_err, false);
            if (fds[3].revents) break;
        }
        // The child has exited but is not reaped, so its group id is still ours: kill what it
        // left running there, which might otherwise hold the pipes open (or fill them) forever.
        ::kill(-pid, SIGKILL);
        drain(w, child_out, true);
        drain(w, child_err, false);
        bool too_large = w.out.size() > max_output_;
        return schedule.why() == ending::none && too_large ? ending::too_large : schedule.why();
    }

    static void write_some(unique_fd& in, std::string_view payload, size_t& written) {
        size_t n = std::min(chunk_size, payload.size() - written);
        ssize_t r = ::write(in.get(), payload.data() + written, n);
        if (r > 0) written += size_t(r);
        if ((r < 0 && errno != EINTR && errno != EAGAIN) || written == payload.size())
            in.reset();  // done, or EPIPE: the child does not want the rest
    }

    /// Reads what is there; returns false at end of file (and closes `fd`) or on error.
    bool read_some(worker& w, unique_fd& fd, bool is_stdout) const {
        ssize_t r = ::read(fd.get(), w.chunk.data(), w.chunk.size());
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN) return errno == EINTR;
            fd.reset();
            return false;
        }
        if (r == 0) {
            fd.reset();
            return false;
        }
        std::string& buf = is_stdout ? w.out : w.err;
        if (!is_stdout || buf.size() <= max_output_)
            buf.append(w.chunk.data(), std::min(size_t(r), max_output_ + 1 - buf.size()));
        if (!is_stdout && buf.size() > 16 * stderr_tail) buf.erase(0, buf.size() - stderr_tail);
        return true;
    }

    /// After the child exits: what it wrote is in the pipes; take it without waiting for
    /// anything it left running.
    void drain(worker& w, unique_fd& fd, bool is_stdout) const {
        while (fd.get() >= 0 && read_some(w, fd, is_stdout)) {
        }
    }

    result finish(
        worker& w, emitter& out, std::string_view payload, ending why, int wait_status) const {
        if (why != ending::none) return wprun::reject(ending_message(why));
        if (WIFSIGNALED(wait_status))
            return wprun::reject(with_stderr(describe_signal(WTERMSIG(wait_status)), w.err));
        int code = WEXITSTATUS(wait_status);
        std::string status = "exit status " + std::to_string(code);
        if (retry_codes_[size_t(code)]) return wprun::retry(with_stderr(status, w.err));
        if (!ok_codes_[size_t(code)]) {
            if (code == 127 && shell_) status += " (command not found?)";
            return wprun::reject(with_stderr(status, w.err));
        }
        emit_output(w.out, out, payload);
        return wprun::ok();
    }

    void emit_output(std::string_view text, emitter& out, std::string_view payload) const {
        if (output_ == output_mode::none) {
            out.emit(payload);
        } else if (output_ == output_mode::whole) {
            if (trim_newline_ && !text.empty() && text.back() == '\n') text.remove_suffix(1);
            out.emit(text);
        } else {
            while (!text.empty()) {
                size_t nl = std::min(text.find('\n'), text.size());
                out.emit(text.substr(0, nl));
                text.remove_prefix(std::min(nl + 1, text.size()));
            }
        }
    }

    static std::string with_stderr(std::string status, std::string_view err) {
        while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.remove_suffix(1);
        if (err.size() > stderr_tail) {
            err.remove_prefix(err.size() - stderr_tail);
            while (!err.empty() && (uint8_t(err.front()) & 0xc0) == 0x80)
                err.remove_prefix(1);  // do not start inside a UTF-8 sequence
        }
        if (!err.empty()) status.append(": ").append(err);
        return status;
    }

    std::string ending_message(ending why) const {
        switch (why) {
            case ending::timeout:
                return "timed out after " + format_duration(timeout_ns_) + "; process group killed";
            case ending::deadline:
                return "call deadline reached; process group killed";
            case ending::stopped:
                return "stopped by the host; process group killed";
            case ending::too_large:
                return "output larger than " + format_size(max_output_) + "; process group killed";
            case ending::none:
                break;
        }
        return {};
    }

    bool shell_;
    stdin_mode stdin_;
    output_mode output_;
    bool trim_newline_;
    code_set ok_codes_;
    code_set retry_codes_;
    int64_t timeout_ns_;
    int64_t kill_grace_ns_;
    uint64_t max_output_;
    std::vector<arg_template> args_;
    std::vector<std::string> environment_;  ///< the host's, at create, plus WPRUN_STAGE
    spawn_attributes attributes_;
};

}  // namespace

WPRUN_PLUGIN("exec", "1.0.0", exec)
