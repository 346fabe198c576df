// files_sink: the `files` sink, one file per item in an output folder.
//
// Each item's payload becomes the file named by the `name` template ({seq}, {key}; an item with
// no key uses its seq for {key}), relative to the folder; sub-folders are created as needed. A
// name that would land outside the folder (absolute, or with a ".." part) is refused with
// std::runtime_error naming the item, which stops the run (see safe_relative_name). Two items
// with the same name overwrite each other. Not thread-safe: the engine calls a sink from one
// thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/sink.h"
#include "engine/spec.h"

namespace wprun::io {

/// `name` cleaned up ("." and empty parts dropped, '/' separators) when it stays inside the
/// folder it is relative to; nullopt when it is empty, absolute, has a ".." part or a NUL byte.
std::optional<std::string> safe_relative_name(std::string_view name);

/// A file name template made of literal text, {seq} and {key}.
class name_template {
public:
    /// nullopt when the text holds a placeholder other than {seq} and {key}.
    static std::optional<name_template> parse(std::string_view text);
    /// Writes the name for `it` into `out` (replacing its content; `out` is reused per item).
    void render(const engine::item& it, std::string& out) const;

private:
    enum class part_kind : uint8_t { text, seq, key };
    struct part {
        part_kind kind;
        std::string text;
    };
    std::vector<part> parts_;
};

class files_sink final : public engine::sink {
public:
    /// `folder` must exist (make_files_sink creates it).
    files_sink(std::filesystem::path folder, name_template name);
    void write(const engine::item& it) override;
    /// Syncs the file system holding the folder (files of uncommitted items are simply written
    /// again on resume); returns 0.
    std::optional<uint64_t> commit() override;

private:
    std::filesystem::path target_for(const engine::item& it);

    std::filesystem::path folder_;
    name_template name_;
    std::string scratch_;  ///< the rendered name, reused between items
};

/// Options of the `files` sink: dir, name, ordered, window.
const std::vector<engine::field_schema>& files_sink_schema();

/// Creates the folder when missing; a bad template or an unusable folder is a startup_error.
std::unique_ptr<engine::sink> make_files_sink(const engine::io_spec& spec,
                                              const std::filesystem::path& base_dir);

}  // namespace wprun::io
