# Sourced by `bash setup.sh hub` (uses its helpers: say, install_system_packages, install_proxy).
# Sets up a class server on this machine and starts JupyterHub on it. Run as root.
# Every setting is an environment variable with a default (docs/instructor-guide.md):
#   CRYOCOURSE_HUB_PORT=8000 CRYOCOURSE_HUB_PUBLIC_URL=https://hub.example.org
#   CRYOCOURSE_HUB_AUTH=pam|shared|lti  CRYOCOURSE_ROSTER=/etc/cryocourse/roster.txt ...
# Running it again keeps the course folder, the gradebook and the hub's state.

set_up_hub() {
  [ "$(id -u)" -eq 0 ] || { say "setup.sh hub sets up system accounts and services: run it as root (sudo bash setup.sh hub)."; exit 1; }
  local opt=${CRYOCOURSE_OPT:-/opt/cryocourse}
  local venv=${CRYOCOURSE_VENV:-$opt/venv}
  local config=$opt/hub-config
  local course_id=${CRYOCOURSE_COURSE_ID:-cosmetic-cryotherapy}
  local course_user=${CRYOCOURSE_COURSE_USER:-cryocourse}
  local course_dir=${CRYOCOURSE_COURSE_DIR:-/srv/cryocourse/course}
  local exchange=${CRYOCOURSE_EXCHANGE:-/srv/nbgrader/exchange}
  local state=${CRYOCOURSE_HUB_STATE:-/srv/cryocourse/hub}
  local settings=/etc/cryocourse/hub.env

  install_system_packages bwrap:bubblewrap useradd:passwd
  install_postgresql

  # The course, JupyterLab, nbgrader and JupyterHub in an environment from Debian's Python
  # that every account may run; the course is installed into it, not linked to this folder.
  make_class_environment "$venv" '.[hub]'
  install_proxy "$opt/node"
  mkdir -p "$config"
  cp -r deploy/hub/. "$config/"
  chmod -R a+rX "$opt"

  # The course account owns the course folder and runs the shared Formgrader.
  if ! id "$course_user" >/dev/null 2>&1; then
    say "Creating the course account $course_user"
    useradd --system --create-home --home-dir "/srv/cryocourse/$course_user-home" \
      --shell /bin/bash --user-group "$course_user"
  fi
  chmod 700 "$(getent passwd "$course_user" | cut -d: -f6)"
  if [ ! -d "$course_dir" ]; then
    say "Copying the course to $course_dir"
    mkdir -p "$course_dir"
    tar --exclude=./.venv --exclude=./.git --exclude=./.hub-tools --exclude=./my-work \
      -cf - . | tar -xf - -C "$course_dir"
  fi
  chown -R "$course_user:" "$course_dir"
  chmod 750 "$course_dir"   # graders work through the Formgrader service, trainees never here

  # The exchange: root 1777 (nbgrader's trainee side insists on a writable root; nobody may
  # remove another's files), the course's own folder owned by the course account (nbgrader
  # makes inbound/ write-only for trainees). A course folder someone else made first (a
  # trainee squatting a later course's name) is never adopted: set-up stops and says so.
  mkdir -p "$exchange"
  chown root:root "$exchange"; chmod 1777 "$exchange"
  if [ -L "$exchange/$course_id" ] || { [ -e "$exchange/$course_id" ] && \
      ! [ "$(stat -c %U "$exchange/$course_id")" = "$course_user" ] && \
      ! [ "$(stat -c %u "$exchange/$course_id")" = 0 ]; }; then
    say "$exchange/$course_id was made by $(stat -c %U "$exchange/$course_id"), not by set-up: check what is in it, remove it, then run this again."
    exit 1
  fi
  install -d -o "$course_user" -g "$course_user" -m 755 "$exchange/$course_id"

  set_up_gradebook "$course_user" "$course_dir"

  # Settings: root-only file, read by the hub; the exchange path for everyone's shells. The
  # class list is the hub's alone too (trainees never see who else is in the class).
  mkdir -p /etc/cryocourse "$state"; chmod 700 "$state"
  local roster=${CRYOCOURSE_ROSTER:-}
  [ -z "$roster" ] && [ -f "$settings" ] && roster=$(sed -n 's/^CRYOCOURSE_ROSTER=//p' "$settings")
  if [ -n "$roster" ] && [ -f "$roster" ]; then chown root:root "$roster"; chmod 600 "$roster"; fi
  if [ ! -f "$settings" ]; then
    umask 077
    {
      echo "CRYOCOURSE_COURSE_ID=$course_id"
      echo "CRYOCOURSE_COURSE_USER=$course_user"
      echo "CRYOCOURSE_COURSE_DIR=$course_dir"
      echo "CRYOCOURSE_EXCHANGE=$exchange"
      echo "CRYOCOURSE_HUB_STATE=$state"
      echo "CRYOCOURSE_VENV=$venv"
      echo "CRYOCOURSE_PROXY_COMMAND=$opt/node/node_modules/.bin/configurable-http-proxy"
      echo "CRYOCOURSE_HUB_PORT=${CRYOCOURSE_HUB_PORT:-8000}"
      echo "CRYOCOURSE_HUB_PUBLIC_URL=${CRYOCOURSE_HUB_PUBLIC_URL:-}"
      echo "CRYOCOURSE_HUB_AUTH=${CRYOCOURSE_HUB_AUTH:-pam}"
      echo "CRYOCOURSE_ROSTER=${CRYOCOURSE_ROSTER:-}"
      echo "CRYOCOURSE_ADMINS=${CRYOCOURSE_ADMINS:-}"
    } > "$settings"
    umask 022
    say "Settings written to $settings (edit it, then run bash setup.sh hub again)"
  fi
  printf 'export CRYOCOURSE_EXCHANGE=%q\n' "$exchange" > /etc/profile.d/cryocourse.sh

  set -a; source "$settings"; set +a
  say "Starting JupyterHub on http://${CRYOCOURSE_HUB_IP:-127.0.0.1}:$CRYOCOURSE_HUB_PORT (Ctrl+C stops it)"
  cd "$state"
  exec "$venv/bin/jupyterhub" -f "$config/jupyterhub_config.py"
}

# The gradebook in Debian's PostgreSQL: a role and a database named after the course account,
# reached over the local socket with peer authentication (no password to keep). The URL goes
# to the course's private settings file (mode 0600, git-ignored), which cryocourse and
# nbgrader read. Set CRYOCOURSE_GRADEBOOK=sqlite to keep gradebook.db instead.
set_up_gradebook() {
  local course_user=$1 course_dir=$2
  [ "${CRYOCOURSE_GRADEBOOK:-postgresql}" = postgresql ] || return 0
  local version; version=$(basename "$(dirname "$(dirname "$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -1)")")")
  pg_lsclusters -h 2>/dev/null | grep -q "^$version main" || pg_createcluster "$version" main >/dev/null
  pg_ctlcluster "$version" main start 2>/dev/null || true
  if ! runuser -u postgres -- psql -tAc "select 1 from pg_roles where rolname='$course_user'" | grep -q 1; then
    say "Creating the PostgreSQL gradebook for $course_user"
    runuser -u postgres -- createuser "$course_user"
    runuser -u postgres -- createdb --owner="$course_user" "$course_user"
  fi
  local url_file=$course_dir/.cryocourse/database-url
  if [ ! -f "$url_file" ]; then
    install -d -o "$course_user" -m 700 "$course_dir/.cryocourse"
    (umask 077; echo "postgresql+psycopg2:///$course_user?host=/var/run/postgresql" > "$url_file")
    chown "$course_user:" "$url_file"
  fi
  # Per-trainee variants (course/models/variants.py): the course's secret salt, made by the course
  # account (owner-only) so that its grading can read it; the hub gives each trainee's server
  # only that trainee's key (jupyterhub_config.py).
  runuser -u "$course_user" -- "$venv/bin/python" -c \
    'import sys; from course.storage.variant_keys import course_salt; course_salt(sys.argv[1])' \
    "$course_dir"
}
