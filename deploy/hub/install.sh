# Sourced by `bash setup.sh hub` (uses its helpers: say, install_system_packages, install_proxy).
# Sets up a class server on this machine and starts JupyterHub on it. Run as root.
# Every setting is an environment variable with a default (docs/instructor-guide.md):
#   CRYOCOURSE_HUB_PORT=8000 CRYOCOURSE_HUB_PUBLIC_URL=https://hub.example.org
#   CRYOCOURSE_HUB_AUTH=pam|shared|lti  CRYOCOURSE_ROSTER=/etc/cryocourse/roster.txt ...
# Running it again updates the course code it serves from this clone (and says what changed),
# keeps the course folder's data, the gradebook and the hub's state, then restarts the hub.
#   bash setup.sh hub           set up or update, then start (or restart the service)
#   bash setup.sh hub install   set up or update only (then: systemctl restart cryocourse-hub)

set_up_hub() {
  local mode=${1:-start}
  case "$mode" in start|install) ;; *)
    echo "usage: bash setup.sh hub [install]" >&2; exit 2 ;; esac
  [ "$(id -u)" -eq 0 ] || { say "setup.sh hub sets up system accounts and services: run it as root (su -, then bash setup.sh hub; or sudo bash setup.sh hub)."; exit 1; }
  local opt=${CRYOCOURSE_OPT:-/opt/cryocourse}
  local venv=${CRYOCOURSE_VENV:-$opt/venv}
  local config=$opt/hub-config
  local course_id=${CRYOCOURSE_COURSE_ID:-cosmetic-cryotherapy}
  local course_user=${CRYOCOURSE_COURSE_USER:-cryocourse}
  local course_dir=${CRYOCOURSE_COURSE_DIR:-/srv/cryocourse/course}
  local exchange=${CRYOCOURSE_EXCHANGE:-/srv/nbgrader/exchange}
  local state=${CRYOCOURSE_HUB_STATE:-/srv/cryocourse/hub}
  local settings=${CRYOCOURSE_SETTINGS:-/etc/cryocourse/hub.env}
  local unit_dir=${CRYOCOURSE_UNIT_DIR:-/etc/systemd/system}

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
  # The course folder: copied on the first run; later runs bring its repository files up to
  # this clone, keeping any file edited there (named) and the class's data.
  local folder_record=$opt/course-folder.json
  if [ ! -d "$course_dir" ]; then
    say "Copying the course to $course_dir"
    mkdir -p "$course_dir"
    tar --exclude=./.venv --exclude=./.git --exclude=./.hub-tools --exclude=./my-work \
      -cf - . | tar -xf - -C "$course_dir"
    /usr/bin/python3.11 -m course.classroom.server_update folder --record "$folder_record" \
      --course-dir "$course_dir" >/dev/null
  else
    say "Course folder $course_dir:"
    /usr/bin/python3.11 -m course.classroom.server_update folder --record "$folder_record" \
      --course-dir "$course_dir"
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
  # Per-trainee variants (course/models/variants.py): the course's secret salt, made by the
  # course account (owner-only) so that its grading can read it, whichever gradebook; the hub
  # gives each trainee's server only that trainee's key (jupyterhub_config.py).
  runuser -u "$course_user" -- "$venv/bin/python" -c \
    'import sys; from course.storage.variant_keys import course_salt; course_salt(sys.argv[1])' \
    "$course_dir"

  # Settings: root-only file, read by the hub; the exchange path for everyone's shells. The
  # class list is the hub's alone too (trainees never see who else is in the class).
  # The roster: /etc/cryocourse/roster.txt unless CRYOCOURSE_ROSTER names another file; made
  # empty and root-only (0600) when missing, so `cryocourse class add` can fill it later.
  mkdir -p "$(dirname "$settings")" "$state"; chmod 700 "$state"
  local roster=${CRYOCOURSE_ROSTER:-}
  [ -z "$roster" ] && [ -f "$settings" ] && roster=$(sed -n 's/^CRYOCOURSE_ROSTER=//p' "$settings")
  [ -z "$roster" ] && roster=$(dirname "$settings")/roster.txt
  [ -f "$roster" ] || (umask 077; : > "$roster")
  chown root:root "$roster"; chmod 600 "$roster"
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
      echo "CRYOCOURSE_ROSTER=$roster"
      echo "CRYOCOURSE_ADMINS=${CRYOCOURSE_ADMINS:-}"
    } > "$settings"
    umask 022
    say "Settings written to $settings (edit it, then run bash setup.sh hub again)"
  fi
  # Settings files of earlier set-ups: the roster's default, the class-management token.
  sed -i "s|^CRYOCOURSE_ROSTER=\$|CRYOCOURSE_ROSTER=$roster|" "$settings"
  grep -q '^CRYOCOURSE_ROSTER=' "$settings" || echo "CRYOCOURSE_ROSTER=$roster" >> "$settings"
  # `cryocourse class` adds and removes people through the hub's REST API with this token.
  grep -q '^CRYOCOURSE_ADMIN_API_TOKEN=.' "$settings" || \
    echo "CRYOCOURSE_ADMIN_API_TOKEN=$(/usr/bin/python3.11 -c 'import secrets; print(secrets.token_hex(32))')" >> "$settings"
  chown root:root "$settings"; chmod 600 "$settings"
  printf 'export CRYOCOURSE_EXCHANGE=%q\n' "$exchange" > "${CRYOCOURSE_PROFILE_FILE:-/etc/profile.d/cryocourse.sh}"

  # The system service: runs the hub only (no set-up), with these settings.
  if [ -d "$unit_dir" ]; then
    sed -e "s|@VENV@|$venv|g" -e "s|@CONFIG@|$config|g" -e "s|@STATE@|$state|g" \
      -e "s|@SETTINGS@|$settings|g" deploy/hub/cryocourse-hub.service \
      > "$unit_dir/cryocourse-hub.service"
    [ -d /run/systemd/system ] && systemctl daemon-reload
  fi
  local service=""
  [ -d /run/systemd/system ] && systemctl is-enabled --quiet cryocourse-hub 2>/dev/null && service=1
  if [ "$mode" = install ]; then
    say "Set up. Start or restart the hub: systemctl restart cryocourse-hub (first time: systemctl enable --now cryocourse-hub), or bash setup.sh hub"
    return 0
  fi
  if [ -n "$service" ]; then
    say "Restarting the service cryocourse-hub (systemctl status cryocourse-hub; journalctl -u cryocourse-hub)"
    systemctl restart cryocourse-hub
    return 0
  fi
  set -a; source "$settings"; set +a
  say "Starting JupyterHub on http://${CRYOCOURSE_HUB_IP:-127.0.0.1}:$CRYOCOURSE_HUB_PORT (Ctrl+C stops it; as a service: systemctl enable --now cryocourse-hub)"
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
}
