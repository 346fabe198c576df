#!/usr/bin/env bash
# Proves the SDK is a usable installed package: installs this build tree to a fresh prefix, builds
# samples/plugin-template against it out of tree (same compiler, same sanitizer flags), checks the
# plugin exports only the two wprun entry points, and runs the template's pipeline with
# `wprun test`, which must exit 0.
#
# Registered in tests/cli/CMakeLists.txt; every option is --name=value (values may be empty):
#   --cmake --build-dir --source-dir --work-dir --generator --make-program --targets (comma list)
#   --build-type --cxx --cxx-flags --exe-linker-flags --shared-linker-flags --module-linker-flags
set -euo pipefail

declare -A opt=(
    [cmake]=cmake [build-dir]="" [source-dir]="" [work-dir]="" [generator]=Ninja
    [make-program]="" [targets]="" [build-type]="" [cxx]="" [cxx-flags]=""
    [exe-linker-flags]="" [shared-linker-flags]="" [module-linker-flags]=""
)
for arg in "$@"; do
    name="${arg%%=*}"
    name="${name#--}"
    if [[ "$arg" != --*=* || -z "${opt[$name]+set}" ]]; then
        echo "plugin_template_test: unknown argument: $arg" >&2
        exit 2
    fi
    opt[$name]="${arg#*=}"
done
for required in build-dir source-dir; do
    if [[ -z "${opt[$required]}" ]]; then
        echo "plugin_template_test: --$required is required" >&2
        exit 2
    fi
done

build_dir="${opt[build-dir]}"
template="${opt[source-dir]}/samples/plugin-template"
work="${opt[work-dir]:-$(mktemp -d "${TMPDIR:-/tmp}/wprun-plugin-template.XXXXXX")}"
prefix="$work/prefix"
template_build="$work/build"
cmake_bin="${opt[cmake]}"

step() { echo "--- $*"; }
fail() {
    echo "plugin_template_test: FAIL: $*" >&2
    exit 1
}

rm -rf "$prefix" "$template_build"
mkdir -p "$work"

if [[ -n "${opt[targets]}" ]]; then
    # Install copies what is built: make sure the host and its plugins are (a no-op when they are).
    IFS=, read -r -a targets <<<"${opt[targets]}"
    step "build ${targets[*]}"
    "$cmake_bin" --build "$build_dir" --target "${targets[@]}" || fail "cannot build ${targets[*]}"
fi

step "install $build_dir to $prefix"
"$cmake_bin" --install "$build_dir" --prefix "$prefix" || fail "cmake --install failed"
wprun="$prefix/bin/wprun"
[[ -x "$wprun" ]] || fail "$wprun was not installed (is there an install(TARGETS wprun)?)"

step "configure $template against $prefix"
configure=(
    "$cmake_bin" -S "$template" -B "$template_build" -G "${opt[generator]}"
    "-DCMAKE_PREFIX_PATH=$prefix"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    "-DCMAKE_BUILD_TYPE=${opt[build-type]}"
    "-DCMAKE_CXX_FLAGS=${opt[cxx-flags]}"
    "-DCMAKE_EXE_LINKER_FLAGS=${opt[exe-linker-flags]}"
    "-DCMAKE_SHARED_LINKER_FLAGS=${opt[shared-linker-flags]}"
    "-DCMAKE_MODULE_LINKER_FLAGS=${opt[module-linker-flags]}"
)
[[ -n "${opt[cxx]}" ]] && configure+=("-DCMAKE_CXX_COMPILER=${opt[cxx]}")
[[ -n "${opt[make-program]}" ]] && configure+=("-DCMAKE_MAKE_PROGRAM=${opt[make-program]}")
"${configure[@]}" || fail "the template does not configure against the installed package"

# The package must come from the fresh prefix, not from anywhere else on the machine.
found="$(sed -n 's/^wprun_DIR:PATH=//p' "$template_build/CMakeCache.txt")"
[[ "$found" == "$prefix"/* ]] || fail "find_package(wprun) found '$found', not the package in $prefix"

step "build the template"
"$cmake_bin" --build "$template_build" || fail "the template does not build"

plugin="$template_build/libwprun_reverse.so"
[[ -f "$plugin" ]] || fail "$plugin was not built"
step "check the exported symbols of $plugin"
exported="$(nm -D --defined-only "$plugin" | awk '{print $NF}' | sort | tr '\n' ' ')"
[[ "$exported" == "wprun_plugin_abi_version wprun_plugin_init " ]] ||
    fail "the plugin must export exactly the two wprun entry points, it exports: $exported"

# Run from the template's folder so its relative paths hold whichever way the CLI resolves them.
step "wprun test --plugin-path $template_build $template/pipeline.yaml"
cd "$template"
"$wprun" test --plugin-path "$template_build" "$template/pipeline.yaml" ||
    fail "wprun test exited with status $?"
echo "plugin_template_test: PASS"
