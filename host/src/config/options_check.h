// options_check: validate a list of options against a schema and put values in canonical form.
//
// Use `check_options` once the schema is known: for a stage's `config:` (schema from the
// plugin) and for the options of a source, sink or error sink (schema from the io layer). After
// it, every value is canonical text (INT decimal, FLOAT shortest round-trip decimal, BOOL
// `true`/`false`, DURATION nanoseconds, SIZE bytes, STRING unchanged) and every default is
// filled in, which is what `engine::options`' getters and plugins expect. Every problem goes to
// `diags` with the location of the key, the value or the owning map. Not thread-safe on the
// same `options`; otherwise pure.
#pragma once

#include <wprun/plugin_abi.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detail/error.h"
#include "engine/spec.h"

namespace wprun::config {

/// The canonical text of `text` as a value of `type`, or nullopt when it is not one.
std::optional<std::string> canonical_value(wprun_value_type type, std::string_view text);

/// How a type is described in messages: "an integer (e.g. 10)", "a duration (e.g. 250ms, ...)".
std::string describe_type(wprun_value_type type);

/// Checks `opts` against `schema`: unknown keys (at the key, with did-you-mean), bad values (at
/// the value, naming the expected type with an example), missing required fields (at `owner`,
/// the location of the map that holds the options); converts values to canonical text and
/// appends the defaults of fields not set (located at `owner`). `context` names the owner in
/// messages, e.g. "stage 'hash' config" or "source 'range'".
void check_options(engine::options& opts,
                   const std::vector<engine::field_schema>& schema,
                   std::string_view context,
                   const location& owner,
                   diagnostics& diags);

}  // namespace wprun::config
