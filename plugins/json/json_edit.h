// json_edit: the `project` and `set` options of the json processor, as one tree of object keys
// built from their JSON Pointers at create time and walked once per item.
//
//   project "/id, /user/name"        → {"id":1,"user":{"name":"ada"}}  (document order; absent
//                                      paths are left out)
//   set     "/seen=true, /user/x=1"  → every other field kept as it was; missing objects on the
//                                      way are created
//
// Both walk objects only: where a path meets an array or a scalar before its end, `project`
// leaves that path out and `set` rejects the item (use `get` to read into arrays).
// Thread-safety: immutable after construction; `write` may run on many threads at once.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace json_plugin {

struct edit_node {
    std::string key;                   ///< unescaped object key
    std::string path;                  ///< the JSON Pointer up to here, for messages
    std::vector<edit_node> children;   ///< deeper keys
    std::optional<std::string> value;  ///< set: the new value's compact JSON
    bool whole = false;                ///< project: keep this whole value
};

class json_edit {
public:
    enum class mode { project, set };

    /// Parses the option's text ("/a, /b/c" or "/a=1, /b=\"x\""); throws syntax_error.
    json_edit(mode m, std::string_view text);

    /// Appends the edited document to `out`. Returns false with `why` when it cannot be done
    /// (the root, or an object on a `set` path, is not an object).
    bool write(simdjson::dom::element root, std::string& out, std::string& why) const;

private:
    void add(std::string_view pointer, std::optional<std::string> value);
    bool project(simdjson::dom::element v, const edit_node& n, std::string& out) const;
    bool set(const simdjson::dom::element* v,
             const edit_node& n,
             std::string& out,
             std::string& why) const;

    mode mode_;
    edit_node root_;
};

}  // namespace json_plugin
