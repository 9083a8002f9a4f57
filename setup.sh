#!/usr/bin/env bash
# One command to set up the course and use it.
#   bash setup.sh lab          set everything up, then open the lessons in JupyterLab (trainee)
#   bash setup.sh test         set everything up, then run every test (what CI runs)
#   bash setup.sh instructor   JupyterLab on the whole course folder, with the Formgrader
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
  # The course's JupyterLab extension (answer controls), built from answer-controls/ and
  # committed in course/labextension/: linked where JupyterLab finds installed extensions,
  # next to nbgrader's (as `jupyter labextension develop` does).
  mkdir -p "$VENV/share/jupyter/labextensions"
  ln -sfn "$PWD/course/labextension" "$VENV/share/jupyter/labextensions/cryocourse-answers"
}

export PATH="$PWD/$VENV/bin:$PATH"  # nbgrader runs alembic and jupyter from the environment

serve() {  # serve FOLDER START_PAGE: JupyterLab on 127.0.0.1:$PORT (default 8888)
  local port=${PORT:-8888} extra=()
  [ "$(id -u)" -eq 0 ] && extra+=(--allow-root)   # JupyterLab refuses root without it
  [ -n "${NO_BROWSER:-}" ] && extra+=(--no-browser)
  say "Opening the course at http://127.0.0.1:$port/lab (the full link with its token follows)"
  exec "$VENV/bin/jupyter" lab --ip=127.0.0.1 --port="$port" "${extra[@]}" \
    --ServerApp.root_dir="$1" --LabApp.default_url="$2"
}

case "${1:-}" in
  lab)
    install_system_packages bwrap:bubblewrap || say "Grading will need bubblewrap; lessons work without it."
    make_environment
    # A trainee's JupyterLab: it serves my-work/ (their own copy of the lessons, git-ignored;
    # new lessons are added, answers already there are kept) with trainee-config/: the
    # Assignments tab lists the lessons as downloaded in my-work/, so Submit hands in the
    # notebook the trainee worked in; the instructor's Formgrader and authoring tools and the
    # course's source/ (model answers) are out of sight.
    mkdir -p my-work exchange   # exchange/: where nbgrader releases and collects (git-ignored)
    "$VENV/bin/python" -m course.classroom.self_study --course "$PWD"
    export JUPYTER_CONFIG_PATH="$PWD/trainee-config${JUPYTER_CONFIG_PATH:+:$JUPYTER_CONFIG_PATH}"
    serve "$PWD/my-work" /lab/tree/00-orientation/00-orientation.ipynb
    ;;
  instructor)
    install_system_packages bwrap:bubblewrap || say "Grading will need bubblewrap."
    make_environment
    mkdir -p exchange
    serve "$PWD" /lab
    ;;
  test)
    install_system_packages bwrap:bubblewrap chromium:chromium npm:npm
    make_environment
    # axe-core (accessibility audit in the browser tests), from the npm registry
    [ -f tests/browser/node_modules/axe-core/axe.min.js ] || \
      npm ci --prefix tests/browser --no-audit --no-fund --silent
    say "Running every test"
    exec "$VENV/bin/python" -m pytest -n 2 --dist loadfile --nbval-lax \
      tests source release "${@:2}"
    ;;
  *)
    echo "usage: bash setup.sh lab | bash setup.sh test | bash setup.sh instructor" >&2
    exit 2
    ;;
esac
