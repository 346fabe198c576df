#!/usr/bin/env bash
# Installs the Debian packages listed in scripts/packages.txt that are not installed yet.
#
# Does nothing (and needs no root) when everything is there. Otherwise runs `apt-get update` and
# `apt-get install`, through sudo when not root (non-interactive sudo when there is no terminal,
# as in CI). On a system without dpkg/apt it only prints the list and goes on.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
package_list="${here}/packages.txt"

# The package names in packages.txt, without comments and blank lines.
read_packages() {
    sed -e 's/#.*//' -e 's/[[:space:]]//g' "$package_list" | grep -v '^$'
}

is_installed() {
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == "installed" ]]
}

# Runs a command as root: directly, or through sudo (never prompting without a terminal).
as_root() {
    if [[ "$(id -u)" -eq 0 ]]; then
        "$@"
    elif ! command -v sudo >/dev/null; then
        echo "deps: need root to install packages, and sudo is not available" >&2
        return 1
    elif [[ -t 0 ]]; then
        sudo "$@"
    else
        sudo -n "$@"
    fi
}

main() {
    local packages=() missing=() p
    mapfile -t packages < <(read_packages)

    if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
        echo "deps: not a Debian-like system; make sure these are installed: ${packages[*]}" >&2
        return 0
    fi
    for p in "${packages[@]}"; do
        is_installed "$p" || missing+=("$p")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        echo "deps: all ${#packages[@]} packages are installed"
        return 0
    fi

    echo "deps: installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${missing[@]}"
}

main "$@"
