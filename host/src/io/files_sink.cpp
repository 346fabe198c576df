#include "io/files_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "io/opening.h"

namespace wprun::io {
namespace fs = std::filesystem;
namespace {

void append_decimal(std::string& out, uint64_t v) {
    char digits[24];
    auto r = std::to_chars(digits, digits + sizeof digits, v);
    out.append(digits, static_cast<size_t>(r.ptr - digits));
}

// "item 7 (key 'a/b')" or "item 7", for messages.
std::string describe(const engine::item& it) {
    std::string s = "item " + std::to_string(it.seq);
    if (!it.key().empty()) s += " (key '" + std::string(it.key()) + "')";
    return s;
}

// Writes `bytes` to `file`, replacing it; returns errno, or 0.
int write_file(const fs::path& file, std::string_view bytes) {
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) return errno;
    while (!bytes.empty()) {
        ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int error = errno;
            ::close(fd);
            return error;
        }
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return ::close(fd) == 0 ? 0 : errno;
}

}  // namespace

std::optional<std::string> safe_relative_name(std::string_view name) {
    if (name.empty() || name.front() == '/' || name.find('\0') != std::string_view::npos)
        return std::nullopt;
    std::string out;
    while (!name.empty()) {
        size_t slash = name.find('/');
        std::string_view part = name.substr(0, slash);
        name.remove_prefix(slash == std::string_view::npos ? name.size() : slash + 1);
        if (part == "..") return std::nullopt;
        if (part.empty() || part == ".") continue;
        if (!out.empty()) out += '/';
        out += part;
    }
    if (out.empty()) return std::nullopt;
    return out;
}

std::optional<name_template> name_template::parse(std::string_view text) {
    name_template t;
    while (!text.empty()) {
        size_t open = text.find('{');
        if (open > 0) t.parts_.push_back({part_kind::text, std::string(text.substr(0, open))});
        if (open == std::string_view::npos) break;
        size_t close = text.find('}', open);
        std::string_view field =
            text.substr(open, close == std::string_view::npos ? close : close - open + 1);
        if (field == "{seq}")
            t.parts_.push_back({part_kind::seq, {}});
        else if (field == "{key}")
            t.parts_.push_back({part_kind::key, {}});
        else
            return std::nullopt;
        text.remove_prefix(close + 1);
    }
    return t;
}

void name_template::render(const engine::item& it, std::string& out) const {
    out.clear();
    for (const part& p : parts_) {
        if (p.kind == part_kind::text)
            out += p.text;
        else if (p.kind == part_kind::key && !it.key().empty())
            out += it.key();
        else
            append_decimal(out, it.seq);  // {seq}, or {key} of an item with no key
    }
}

files_sink::files_sink(fs::path folder, name_template name)
    : folder_(std::move(folder)), name_(std::move(name)) {}

void files_sink::write(const engine::item& it) {
    if (it.kind != engine::item_kind::data) return;
    fs::path file = target_for(it);
    std::error_code ec;
    if (file.has_parent_path()) fs::create_directories(file.parent_path(), ec);
    int error = write_file(file, it.payload.view());
    if (error != 0)
        throw std::runtime_error("files sink: cannot write " + describe(it) + " to '" +
                                 file.string() + "': " + std::strerror(error));
}

std::optional<uint64_t> files_sink::commit() {
    int fd = ::open(folder_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || ::syncfs(fd) != 0) {
        int error = errno;
        if (fd >= 0) ::close(fd);
        throw std::runtime_error("files sink: cannot sync '" + folder_.string() +
                                 "': " + std::strerror(error));
    }
    ::close(fd);
    return 0;
}

fs::path files_sink::target_for(const engine::item& it) {
    name_.render(it, scratch_);
    std::optional<std::string> name = safe_relative_name(scratch_);
    if (!name)
        throw std::runtime_error("files sink: " + describe(it) + " would be written to '" +
                                 scratch_ +
                                 "', which is not a path inside the output folder (empty, "
                                 "absolute or with a '..' part); change the `name` template or "
                                 "the item's key");
    return folder_ / *name;
}

const std::vector<engine::field_schema>& files_sink_schema() {
    static const std::vector<engine::field_schema> fields = with_sink_fields({
        {"dir", WPRUN_TYPE_STRING, std::nullopt, true,
         "folder to write one file per item into, created when missing (relative to the "
         "pipeline's folder)"},
        {"name", WPRUN_TYPE_STRING, "{key}", false,
         "file name template inside the folder: {seq} = sequence number, {key} = item key (its "
         "seq when it has none); '/' makes sub-folders"},
    });
    return fields;
}

std::unique_ptr<engine::sink> make_files_sink(const engine::io_spec& spec,
                                              const std::filesystem::path& base_dir) {
    std::optional<name_template> name = name_template::parse(spec.opts.get_string("name", "{key}"));
    if (!name)
        throw_option_error(spec, "name",
                           "files: unknown placeholder in `name`; use {seq} and {key}");
    fs::path folder = resolve_path(required_option(spec, "dir"), base_dir);
    std::error_code ec;
    fs::create_directories(folder, ec);
    std::error_code ignored;
    if (!fs::is_directory(folder, ignored))
        throw_option_error(spec, "dir",
                           "files: cannot create output folder '" + folder.string() + "'" +
                               (ec ? ": " + ec.message() : std::string()) +
                               "; check the `dir` option and its parent's permissions");
    return std::make_unique<files_sink>(std::move(folder), std::move(*name));
}

}  // namespace wprun::io
