#!/usr/bin/env bash
# One city on one PostgreSQL, on this machine (README "One city on PostgreSQL"):
#   - a PostgreSQL cluster of Debian's package in var/city-demo/pg (port 5433, loopback only),
#   - the mayor's office        http://127.0.0.1:8081  (office.scope = "city"),
#   - Gangnam-gu's office       http://127.0.0.1:8082  (office.scope = "11680"),
#   - two public replicas       127.0.0.1:8083 and :8084 (office.role = "public"),
#   - Debian's nginx in front of the replicas: the public at http://127.0.0.1:8090.
# The city's simulator runs in whichever office process holds the leadership; kill it and the
# other takes over. `scripts/city-demo.sh stop` stops everything; `start` (the default) is
# idempotent. Needs root (apt, and PostgreSQL runs as the `postgres` user). A demo: the cluster
# trusts every local connection; a real city gives scpm a role with a password (README).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
DEMO="$PWD/var/city-demo"
PGPORT=5433
URL="postgres://postgres@127.0.0.1:$PGPORT/city"
PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
as_postgres() { runuser -u postgres -- "$@"; }

stop() {
  step "stopping the city demo"
  for name in public2 public1 gangnam mayor; do
    if [ -f "$DEMO/$name.pid" ] && kill -0 "$(cat "$DEMO/$name.pid")" 2>/dev/null; then
      kill "$(cat "$DEMO/$name.pid")" && echo "stopped $name"
    fi
    rm -f "$DEMO/$name.pid"
  done
  if [ -f "$DEMO/nginx/nginx.pid" ]; then
    nginx -p "$DEMO/nginx" -c "$DEMO/nginx/nginx.conf" -s quit 2>/dev/null && echo "stopped nginx" || true
  fi
  if [ -n "$PGBIN" ] && [ -f "$DEMO/pg/postmaster.pid" ]; then
    as_postgres "$PGBIN/pg_ctl" -D "$DEMO/pg" -m fast -w stop && echo "stopped PostgreSQL"
  fi
}

if [ "${1:-start}" = stop ]; then stop; exit 0; fi
[ "$(id -u)" = 0 ] || { echo "run as root: it installs packages and runs PostgreSQL as the postgres user" >&2; exit 1; }

step "[demo 1/5] Debian packages: postgresql nginx"
missing=()
for p in postgresql nginx; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "all present"
fi
PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"

step "[demo 2/5] scpm (release build, city data, models)"
scripts/setup.sh
SCPM="$SCPM_TARGET/release/scpm"

step "[demo 3/5] PostgreSQL in $DEMO/pg, port $PGPORT"
mkdir -p "$DEMO"
chmod 755 "$DEMO"
if [ ! -f "$DEMO/pg/PG_VERSION" ]; then
  install -d -o postgres -g postgres -m 700 "$DEMO/pg"
  as_postgres "$PGBIN/initdb" -D "$DEMO/pg" -A trust -U postgres >/dev/null
  echo "cluster created"
fi
# Its log and socket in a folder of the postgres user's own.
install -d -o postgres -g postgres -m 755 "$DEMO/pgrun"
if ! as_postgres "$PGBIN/pg_ctl" -D "$DEMO/pg" status >/dev/null 2>&1; then
  as_postgres "$PGBIN/pg_ctl" -D "$DEMO/pg" -l "$DEMO/pgrun/postgres.log" -w start \
    -o "-p $PGPORT -k $DEMO/pgrun -c listen_addresses=127.0.0.1"
fi
if ! as_postgres "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'city'" | grep -q 1; then
  as_postgres "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres city
  echo "database city created"
fi

step "[demo 4/5] the offices and the public replicas"
# name port extra-settings
processes=(
  "mayor 8081 [office]\nname = \"Seoul — Mayor's Office\"\nscope = \"city\""
  "gangnam 8082 [office]\nname = \"Gangnam-gu Office\"\nscope = \"11680\""
  "public1 8083 [office]\nrole = \"public\"\n[server]\ntrusted_proxies = [\"127.0.0.1\"]"
  "public2 8084 [office]\nrole = \"public\"\n[server]\ntrusted_proxies = [\"127.0.0.1\"]"
)
for p in "${processes[@]}"; do
  read -r name port extra <<<"$p"
  mkdir -p "$DEMO/$name"
  # [server] may come twice (listen, then the proxy); write it once.
  settings="$(printf '%b' "$extra")"
  listen="listen = \"127.0.0.1:$port\""
  if grep -q '^\[server\]' <<<"$settings"; then
    settings="$(sed "s|^\[server\]|[server]\n$listen|" <<<"$settings")"
  else
    settings="$settings"$'\n'"[server]"$'\n'"$listen"
  fi
  cat >"$DEMO/$name/scpm.toml" <<EOF
$settings
[paths]
store = "$URL"
index_dir = "$DEMO/$name/index"
data_dir = "$PWD/data"
grammars = "$PWD/grammars"
models = "$PWD/models"
[voice]
enabled = false
[gestures]
enabled = false
EOF
  if [ -f "$DEMO/$name.pid" ] && kill -0 "$(cat "$DEMO/$name.pid")" 2>/dev/null; then
    echo "$name already running (pid $(cat "$DEMO/$name.pid"))"
    continue
  fi
  nohup "$SCPM" --config "$DEMO/$name/scpm.toml" serve >"$DEMO/$name.log" 2>&1 &
  echo $! >"$DEMO/$name.pid"
  echo "$name: http://127.0.0.1:$port (log $DEMO/$name.log)"
done
for port in 8081 8082 8083 8084; do
  for _ in $(seq 1 600); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { echo "the process on :$port did not start (see $DEMO/*.log)" >&2; exit 1; }
done

step "[demo 5/5] nginx in front of the public replicas: http://127.0.0.1:8090"
mkdir -p "$DEMO/nginx/logs"
cat >"$DEMO/nginx/nginx.conf" <<EOF
pid $DEMO/nginx/nginx.pid;
error_log $DEMO/nginx/logs/error.log;
events {}
http {
  access_log $DEMO/nginx/logs/access.log;
  client_body_temp_path $DEMO/nginx/body;
  proxy_temp_path $DEMO/nginx/proxy;
  fastcgi_temp_path $DEMO/nginx/fastcgi;
  uwsgi_temp_path $DEMO/nginx/uwsgi;
  scgi_temp_path $DEMO/nginx/scgi;
  upstream public { server 127.0.0.1:8083; server 127.0.0.1:8084; }
  server {
    listen 127.0.0.1:8090;
    location / {
      proxy_pass http://public;
      proxy_http_version 1.1;
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection "upgrade";
    }
  }
}
EOF
if [ -f "$DEMO/nginx/nginx.pid" ] && kill -0 "$(cat "$DEMO/nginx/nginx.pid")" 2>/dev/null; then
  nginx -p "$DEMO/nginx" -c "$DEMO/nginx/nginx.conf" -s reload
else
  nginx -p "$DEMO/nginx" -c "$DEMO/nginx/nginx.conf"
fi

token() { as_postgres "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres city -tAc "SELECT value FROM secrets WHERE name = 'office_token@$1'"; }
cat <<EOF

The city is up:
  mayor's office   http://127.0.0.1:8081/?token=$(token city)
  Gangnam-gu       http://127.0.0.1:8082/?token=$(token 11680)
  the public       http://127.0.0.1:8090/   (two replicas behind nginx)
  which process runs the simulator: curl -s http://127.0.0.1:8081/healthz | grep -o '"leader":[a-z]*'
  stop everything: scripts/city-demo.sh stop
EOF
