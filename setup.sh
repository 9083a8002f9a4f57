#!/usr/bin/env bash
# One command to set up the course and use it.
#   bash setup.sh lab    set everything up, then open the course in JupyterLab
#   bash setup.sh test   set everything up, then run every test (what CI runs)
# Needs only Python 3.11 and this repository; system packages (bubblewrap for the grading
# sandbox, Chromium for the browser tests) are installed with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

install_system_packages() {
  local missing=()
  for pair in "$@"; do
    local cmd=${pair%%:*} pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else
      say "Please install these system packages (needs an administrator): ${missing[*]}"
      return 1
    fi
  fi
  say "Installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

make_environment() {
  "$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' 2>/dev/null || {
    say "This course needs Python 3.11 (found: $("$PYTHON" --version 2>&1))"; exit 1; }
  local stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating the Python environment in $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  if [ ! -f "$stamp" ]; then
    say "Installing the course and its tools (about a minute the first time)"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e '.[dev]'
    rm -f "$VENV"/.installed-*
    touch "$stamp"
  fi
  # Jupyter servers of this environment load the course's server extension (Formgrader's
  # Content-Security-Policy); an editable install does not place this file itself.
  mkdir -p "$VENV/etc/jupyter/jupyter_server_config.d"
  cp jupyter-config/jupyter_server_config.d/cryocourse.json "$VENV/etc/jupyter/jupyter_server_config.d/"
}

export PATH="$PWD/$VENV/bin:$PATH"  # nbgrader runs alembic and jupyter from the environment

case "${1:-}" in
  lab)
    install_system_packages bwrap:bubblewrap || say "Grading will need bubblewrap; lessons work without it."
    make_environment
    # Trainees work in their own copy (git-ignored), never in the committed release/ folder.
    # New lessons are added to it; notebooks already there (the trainee's answers) are kept.
    mkdir -p my-work exchange   # exchange/: where nbgrader releases and collects (git-ignored)
    cp -rn release/. my-work/
    port=${PORT:-8888}
    extra=()
    [ "$(id -u)" -eq 0 ] && extra+=(--allow-root)   # JupyterLab refuses root without it
    [ -n "${NO_BROWSER:-}" ] && extra+=(--no-browser)
    say "Opening the course at http://127.0.0.1:$port/lab (the full link with its token follows)"
    exec "$VENV/bin/jupyter" lab --ip=127.0.0.1 --port="$port" "${extra[@]}" \
      --ServerApp.root_dir="$PWD" --LabApp.default_url=/lab/tree/my-work/00-orientation/00-orientation.ipynb
    ;;
  test)
    install_system_packages bwrap:bubblewrap chromium:chromium
    make_environment
    say "Running every test"
    exec "$VENV/bin/python" -m pytest -n 2 --dist loadfile --nbval-lax \
      tests source release "${@:2}"
    ;;
  *)
    echo "usage: bash setup.sh lab | bash setup.sh test" >&2
    exit 2
    ;;
esac
