#include "io/files_source.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <system_error>

#include "io/opening.h"

namespace wprun::io {
namespace fs = std::filesystem;
namespace {

// The iterators build each entry's path as `folder / name`, so the relative path is what follows
// `folder / ""` (this keeps a trailing "/" in the option from confusing lexically_relative).
std::string relative_to(const fs::path& entry, const std::string& prefix) {
    const std::string& full = entry.native();
    if (full.compare(0, prefix.size(), prefix) == 0) return full.substr(prefix.size());
    return entry.lexically_relative(fs::path(prefix)).generic_string();
}

template <class Iterator>
std::vector<std::string> list_files(const files_source_options& opts) {
    std::vector<std::string> files;
    std::string prefix = (opts.folder / "").native();
    for (const fs::directory_entry& e :
         Iterator(opts.folder, fs::directory_options::skip_permission_denied)) {
        std::error_code ec;
        if (!e.is_regular_file(ec)) continue;
        if (::fnmatch(opts.glob.c_str(), e.path().filename().c_str(), 0) != 0) continue;
        files.push_back(relative_to(e.path(), prefix));
    }
    std::sort(files.begin(), files.end());
    return files;
}

void fail_unreadable(engine::item& it, const fs::path& file, std::string_view why) {
    it.payload.assign(file.native());
    it.fail(0, "cannot read '" + file.string() + "': " + std::string(why));
}

// Reads up to `size` bytes into `dest`; returns how many, or -1 with errno set.
ssize_t read_fully(int fd, char* dest, size_t size) {
    size_t got = 0;
    while (got < size) {
        ssize_t n = ::read(fd, dest + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    return static_cast<ssize_t>(got);
}

// Reads all of `fd` into `payload` (sized once, from fstat); returns why it could not, or "".
std::string read_whole(int fd, engine::small_bytes& payload, uint64_t max_bytes) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return std::strerror(errno);
    if (static_cast<uint64_t>(st.st_size) > max_bytes)
        return "it is " + std::to_string(st.st_size) + " bytes, larger than max_item_bytes (" +
               engine::size_text(max_bytes) + ")";
    if (static_cast<uint64_t>(st.st_size) > UINT32_MAX)
        return "larger than 4 GiB, the most one item holds";
    auto size = static_cast<size_t>(st.st_size);
    ssize_t got = read_fully(fd, payload.resize_uninitialized(size), size);
    if (got < 0) return std::strerror(errno);
    if (static_cast<size_t>(got) != size) return "it shrank while being read";
    return {};
}

}  // namespace

files_source::files_source(files_source_options opts) : opts_(std::move(opts)) {
    files_ = opts_.recursive ? list_files<fs::recursive_directory_iterator>(opts_)
                             : list_files<fs::directory_iterator>(opts_);
}

size_t files_source::read(engine::item* out, size_t max) {
    size_t n = std::min(max, files_.size() - next_);
    for (size_t i = 0; i < n; ++i) fill(out[i], files_[next_ + i]);
    next_ += n;
    return n;
}

void files_source::fill(engine::item& it, const std::string& relative) const {
    it.set_key(relative);
    fs::path file = opts_.folder / relative;
    if (opts_.content)
        read_content(it, file);
    else
        it.payload.assign(file.native());
}

void files_source::read_content(engine::item& it, const fs::path& file) const {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail_unreadable(it, file, std::strerror(errno));
    std::string why = read_whole(fd, it.payload, opts_.max_bytes);
    ::close(fd);
    if (!why.empty()) fail_unreadable(it, file, why);
}

const std::vector<engine::field_schema>& files_source_schema() {
    static const std::vector<engine::field_schema> fields = {
        {"path", WPRUN_TYPE_STRING, std::nullopt, true,
         "folder whose regular files become items (relative to the pipeline's folder)"},
        {"glob", WPRUN_TYPE_STRING, "*", false,
         "only files whose name matches this shell pattern (e.g. *.txt)"},
        {"recursive", WPRUN_TYPE_BOOL, "false", false, "also read the files in sub-folders"},
        {"content", WPRUN_TYPE_BOOL, "false", false,
         "payload = the file's bytes instead of its path"},
    };
    return fields;
}

std::unique_ptr<engine::source> make_files_source(const engine::io_spec& spec,
                                                  const std::filesystem::path& base_dir) {
    files_source_options opts{resolve_path(required_option(spec, "path"), base_dir),
                              spec.opts.get_string("glob", "*"), spec.opts.get_bool("recursive"),
                              spec.opts.get_bool("content"), spec.max_item_bytes};
    std::error_code ec;
    fs::file_status st = fs::status(opts.folder, ec);
    std::string shown = "'" + opts.folder.string() + "'";
    if (!fs::exists(st))
        throw_option_error(spec, "path",
                           "files: input folder " + shown + " does not exist; check the `path` " +
                               "option (relative paths resolve against the pipeline's folder)");
    if (!fs::is_directory(st))
        throw_option_error(spec, "path",
                           "files: " + shown + " is not a folder; the files source reads the " +
                               "files in a folder (use the lines source for one file)");
    try {
        return std::make_unique<files_source>(std::move(opts));
    } catch (const fs::filesystem_error& e) {
        throw_option_error(
            spec, "path",
            std::string("files: cannot list the folder: ") + e.what() + "; check its permissions");
    }
}

}  // namespace wprun::io
