// files_source: the `files` source, one item per regular file in a folder.
//
// The folder is listed once, when the source is made, and the files are sorted by their path
// relative to the folder, so runs are deterministic and total() is known. Each item's key is that
// relative path ('/'-separated); its payload is the file's path, or its bytes with `content`.
// A file that cannot be read, or (with `content`) is larger than `max_item_bytes`, becomes a
// failed item. Not thread-safe: read from one thread.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/source.h"
#include "engine/spec.h"

namespace wprun::io {

struct files_source_options {
    std::filesystem::path folder;
    std::string glob = "*";  ///< fnmatch(3) pattern on the file name (not the folders)
    bool recursive = false;  ///< descend into sub-folders (symbolic links to folders are not)
    bool content = false;    ///< payload = the file's bytes instead of its path
    uint64_t max_bytes = engine::default_max_item_bytes;  ///< content: a larger file fails
};

class files_source final : public engine::source {
public:
    /// Lists the folder; throws std::filesystem::filesystem_error when it cannot.
    explicit files_source(files_source_options opts);
    size_t read(engine::item* out, size_t max) override;
    std::optional<uint64_t> total() const override { return files_.size(); }

private:
    void fill(engine::item& it, const std::string& relative) const;
    void read_content(engine::item& it, const std::filesystem::path& file) const;

    files_source_options opts_;
    std::vector<std::string> files_;  ///< relative paths, sorted
    size_t next_ = 0;
};

/// Options of the `files` source: path, glob, recursive, content.
const std::vector<engine::field_schema>& files_source_schema();

/// Lists the folder; a missing folder or a path that is not a folder is a startup_error.
std::unique_ptr<engine::source> make_files_source(const engine::io_spec& spec,
                                                  const std::filesystem::path& base_dir);

}  // namespace wprun::io
