#!/usr/bin/env bash
# One command to set up the course and use it.
#   bash setup.sh lab          set everything up, then open the lessons in JupyterLab (trainee)
#   bash setup.sh test         set everything up, then run every test (what CI runs)
#   bash setup.sh instructor   JupyterLab on the whole course folder, with the Formgrader
#   bash setup.sh hub          a class server: JupyterHub, the course account, the exchange,
#                              the PostgreSQL gradebook (as root; docs/instructor-guide.md)
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

# configurable-http-proxy (JupyterHub's proxy) from the npm registry, into $1/node_modules.
install_proxy() {
  local prefix=$1 version=5.3.0
  [ -x "$prefix/node_modules/.bin/configurable-http-proxy" ] && return 0
  install_system_packages npm:npm
  say "Installing configurable-http-proxy $version from npm"
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
    "configurable-http-proxy@$version" >/dev/null
}

# Debian's PostgreSQL server (the tests start a private cluster with its initdb).
install_postgresql() {
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && return 0
  install_system_packages initdb:postgresql
}

# A Python environment made from Debian's /usr/bin/python3.11, which every account may run
# (trainees' servers and kernels, the course account's grading). $1: folder, $2: what to
# install into it ('.[hub]' on a class server; '-e .[hub]' for the tests).
make_class_environment() {
  local venv=$1 spec=$2
  [ -x /usr/bin/python3.11 ] || install_system_packages _:python3.11
  /usr/bin/python3.11 -c 'import ensurepip' 2>/dev/null || install_system_packages _:python3.11-venv
  local stamp="$venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)" fresh=""
  if [ ! -f "$stamp" ]; then
    fresh=1
    say "Installing the class environment in $venv (Debian's Python, readable by every account)"
    [ -x "$venv/bin/python" ] || /usr/bin/python3.11 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    # shellcheck disable=SC2086 -- $spec may be '-e .[hub]'
    "$venv/bin/python" -m pip install -q $spec
    rm -f "$venv"/.installed-*
    touch "$stamp"
  fi
  # The course code itself: a copy (not a link) in the environment, so a newer clone's code
  # is installed whenever it differs from what was installed (not only when pyproject.toml
  # changes), and set-up says what changed (course/classroom/server_update.py).
  if [ "$spec" = '.[hub]' ]; then
    local record="$venv/.cryocourse-code.json" changes
    if ! changes=$(/usr/bin/python3.11 -m course.classroom.server_update code --record "$record"); then
      say "Course code in $venv:"
      printf '%s\n' "$changes"
      [ -n "$fresh" ] || "$venv/bin/python" -m pip install -q --no-deps --force-reinstall .
      /usr/bin/python3.11 -m course.classroom.server_update record --record "$record"
    else
      say "The course code in $venv is up to date ($changes)"
    fi
  fi
  # Formgrader's Content-Security-Policy (the course's server extension), as in .venv
  mkdir -p "$venv/etc/jupyter/jupyter_server_config.d"
  cp jupyter-config/jupyter_server_config.d/cryocourse.json "$venv/etc/jupyter/jupyter_server_config.d/"
  # The answer controls (the course's JupyterLab extension), copied, not linked: trainees'
  # servers run this environment and may not read the folder it was installed from.
  mkdir -p "$venv/share/jupyter/labextensions"
  rm -rf "$venv/share/jupyter/labextensions/cryocourse-answers"
  cp -r course/labextension "$venv/share/jupyter/labextensions/cryocourse-answers"
  chmod -R a+rX "$venv"
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
    # Assessment 05 gives each trainee their own clients: this account's key (unless the
    # instructor gave one), the one the grader computes for this account's submissions.
    if [ -z "${CRYOCOURSE_VARIANT_KEY:-}" ] && [ ! -s "$HOME/.cryocourse/variant-key" ]; then
      CRYOCOURSE_VARIANT_KEY="$("$VENV/bin/python" -m course.classroom.self_study --course "$PWD" --variant-key)"
      export CRYOCOURSE_VARIANT_KEY
    fi
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
    install_postgresql
    make_environment
    # axe-core (accessibility audit in the browser tests) and typescript (the answer controls'
    # reader run under Node in tests/unit/test_reader_cases.py), from the npm registry
    [ -f tests/browser/node_modules/axe-core/axe.min.js ] && \
      [ -f tests/browser/node_modules/typescript/lib/typescript.js ] || \
      npm ci --prefix tests/browser --no-audit --no-fund --silent
    # For the class-server test (tests/hub): the proxy, and an environment other accounts
    # may run (like the one setup.sh hub makes in /opt/cryocourse).
    install_proxy .hub-tools
    make_class_environment .hub-tools/venv '-e .[hub]'
    say "Running every test"
    exec "$VENV/bin/python" -m pytest -n 2 --dist loadfile --nbval-lax \
      tests source release "${@:2}"
    ;;
  hub)
    source deploy/hub/install.sh   # uses the helpers above
    set_up_hub "${@:2}"
    ;;
  *)
    echo "usage: bash setup.sh lab | test | instructor | hub" >&2
    exit 2
    ;;
esac
