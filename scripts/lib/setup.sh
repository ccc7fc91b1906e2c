# Shared set-up for scripts/demo, scripts/test and scripts/screenshot (sourced, not run).
# Finds Python >= 3.12, installs the system libraries Qt needs, makes .venv, installs the project.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"

# Debian/Ubuntu packages: Qt's xcb/EGL/WebEngine runtime, PulseAudio client (QtMultimedia),
# Chinese fonts, and Xvfb for screenshots.
SYSTEM_PACKAGES=(
  libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libnss3 libasound2 libpulse0
  libxkbcommon0 libxkbcommon-x11-0 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxshmfence1
  libxkbfile1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-xinerama0 libxcb-xkb1 libxcb-shape0 libxcb-randr0 libxcb-xfixes0
  fonts-noto-cjk fonts-dejavu-core xvfb xauth
)
# Only for the tests: a PostgreSQL server (initdb, pg_ctl), started throw-away for the store's tests
# (tests/store_support/postgres.py), and poppler's pdftotext/pdftoppm, which read the leaders' briefing
# back. The demo runs on SQLite and needs neither.
TEST_SYSTEM_PACKAGES=(postgresql poppler-utils)

say() { printf '==> %s\n' "$*" >&2; }

# install_system_packages PACKAGE...: as root, apt-get install what is missing; otherwise say how.
install_system_packages() {
  command -v dpkg-query >/dev/null 2>&1 || { say "not a Debian/Ubuntu system: install Qt 6's runtime libraries and Noto Sans CJK (for the tests, PostgreSQL too) yourself"; return 0; }
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    say "installing system packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "these system packages are missing; run this, then try again:"
    printf '    sudo apt-get install -y %s\n' "${missing[*]}" >&2
    exit 1
  fi
}

# An interpreter counts only after it has run: pyenv shims exist for versions not selected.
find_python() {
  local candidates=(python3.13 python3.12)
  local root
  if command -v pyenv >/dev/null 2>&1 && root="$(pyenv root 2>/dev/null)"; then
    candidates+=("$root"/versions/3.13*/bin/python3.13 "$root"/versions/3.12*/bin/python3.12)
  fi
  candidates+=("$HOME"/.pyenv/versions/3.13*/bin/python3.13 "$HOME"/.pyenv/versions/3.12*/bin/python3.12 python3)
  for c in "${candidates[@]}"; do
    if "$c" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
      command -v "$c" 2>/dev/null || echo "$c"; return 0
    fi
  done
  # Python 3.11 works too: pyproject.toml keeps PySide6 6.12.0 (which crashes on 3.11) away.
  if python3 -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
    say "no Python >= 3.12 found; using $(python3 --version) with PySide6 != 6.12.0"
    command -v python3; return 0
  fi
  say "Python >= 3.11 with venv is required (Debian: apt-get install python3 python3-venv)"
  exit 1
}

# make_venv EXTRA: create .venv if needed and install the project (with the extra, e.g. "test").
make_venv() {
  local extra="${1:-}" python spec stamp want
  python="$(find_python)"
  if [ -x "$VENV/bin/python" ] && ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    rm -rf "$VENV"
  fi
  [ -x "$VENV/bin/python" ] || { say "creating .venv with $("$python" --version)"; "$python" -m venv "$VENV"; }
  spec="."; [ -n "$extra" ] && spec=".[$extra]"
  stamp="$VENV/.installed"
  want="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -c1-16) $extra"
  if [ ! -f "$stamp" ] || ! grep -qxF "$want" "$stamp"; then
    say "installing the project ($spec) into .venv"
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    (cd "$ROOT" && "$VENV/bin/python" -m pip install -q -e "$spec")
    echo "$want" >> "$stamp"
  fi
}

# setup EXTRA: system packages (with the test-only ones for the "test" extra), then .venv.
setup() {
  local extra="${1:-}" packages=("${SYSTEM_PACKAGES[@]}")
  if [ "$extra" = test ]; then packages+=("${TEST_SYSTEM_PACKAGES[@]}"); fi
  install_system_packages "${packages[@]}"
  make_venv "$extra"
}
