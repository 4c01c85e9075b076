# Installs what building and testing Atrium needs, when it is missing.
# Sourced by the .ci scripts; every step is idempotent, so running a
# command twice installs nothing the second time.
#
# Versions are the ones known to work on the build machines (Rust 1.95,
# package registries only): cargo-leptos 0.3.11 needs a newer rustc; the
# wasm-bindgen CLI must equal the crate pinned in Cargo.toml exactly, or
# hydration fails its schema check.

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' Cargo.toml)

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_rust_toolchain() {
  command -v cargo >/dev/null || { echo "cargo is missing: install Rust with rustup first" >&2; return 1; }
  # rustfmt and clippy for the checks; a minimal rustup profile lacks them.
  local component
  for component in rustfmt clippy; do
    if ! rustup component list --installed | grep -q "^$component"; then
      say "adding the $component component"
      rustup component add "$component"
    fi
  done
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo leptos --version 2>/dev/null | grep -qx "cargo-leptos $CARGO_LEPTOS_VERSION"; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 12 minutes)"
    cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION"
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $WASM_BINDGEN_VERSION"; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    # Not --locked: its lockfile pins a webpki-roots the registry here lacks.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
}

# tailwindcss and wasm-opt (binaryen) for cargo-leptos, Playwright for the
# browser tests; all pinned in package-lock.json.
ensure_npm_packages() {
  command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 first" >&2; return 1; }
  if ! cmp -s package-lock.json node_modules/.atrium-installed-lock 2>/dev/null; then
    say "installing npm packages"
    # `npm install`, not `npm ci`: the registry mirror here holds tailwind's
    # native binary for this platform only, so the lockfile cannot list the
    # other platforms' optional packages and `npm ci` refuses it. With the
    # lockfile present, `npm install` installs exactly its versions and
    # leaves it unchanged.
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund
    cp package-lock.json node_modules/.atrium-installed-lock
  fi
}

# Playwright cannot download its own browser here: tests drive Debian's.
ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's chromium"
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
  fi
}

# Schemathesis (from PyPI) fuzzes the REST API against its OpenAPI
# document, in a virtual environment of its own under the build cache.
SCHEMATHESIS_VERSION=4.32.5
ensure_schemathesis() {
  local venv="$1"
  command -v python3 >/dev/null || { echo "python3 is missing: install Python 3.10 or newer first" >&2; return 1; }
  if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "version $SCHEMATHESIS_VERSION$"; then
    say "installing schemathesis $SCHEMATHESIS_VERSION"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  fi
}

# moto (from PyPI) serves the S3 API in memory: the file tests run once
# more against it (.ci/s3-server), in a virtual environment of its own
# under the build cache.
MOTO_VERSION=5.2.6
ensure_moto() {
  local venv="$1"
  command -v python3 >/dev/null || { echo "python3 is missing: install Python 3.10 or newer first" >&2; return 1; }
  if [ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null)" != "$MOTO_VERSION" ] \
    || [ ! -x "$venv/bin/moto_server" ]; then
    say "installing moto $MOTO_VERSION (about a minute)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  fi
}
