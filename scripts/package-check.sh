#!/usr/bin/env bash
# Installs the Debian package into a throwaway copy of this machine and drives it from outside:
# a mount namespace with copy-on-write layers over /usr, /etc and /var (so `dpkg -i`, the new
# user and the state land in a scratch folder and this machine is unchanged) and a network
# namespace with loopback only. Then, as systemd would (it does not run here): the unit's
# command line as the unit's user in its working folder; the wall, the API and a command from
# outside; every file the service wrote is under /var/lib/scpm; remove and purge leave nothing.
#
#   scripts/package-check.sh DEB [MODELS]
# MODELS: a prepared models folder to lend the service (read-only), as `scpm models prepare`
# would have filled /var/lib/scpm/models; without it, the check expects /readyz to name them.
set -euo pipefail
deb="$(realpath "${1:?usage: scripts/package-check.sh DEB [MODELS]}")"
models="${2:+$(realpath "$2")}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
unshare -m -n --propagation private bash -s "$deb" "$scratch" "$models" <<'INSIDE'
set -euo pipefail
deb="$1"; scratch="$2"; models="$3"
say() { printf '  %s\n' "$*"; }
fail() { printf 'package check FAILED: %s\n' "$*" >&2; [ -s "$scratch/serve.log" ] && tail -20 "$scratch/serve.log" >&2; exit 1; }
ip link set lo up
for dir in usr etc var; do
    mkdir -p "$scratch/$dir/upper" "$scratch/$dir/work"
    mount -t overlay overlay -o "lowerdir=/$dir,upperdir=$scratch/$dir/upper,workdir=$scratch/$dir/work" "/$dir"
done

echo "==> dpkg -i $(basename "$deb")"
dpkg -i "$deb" | sed 's/^/  /'
[ -x /usr/bin/scpm ] || fail "/usr/bin/scpm is not installed"
getent passwd scpm >/dev/null || fail "no scpm user"
[ "$(stat -c %U /var/lib/scpm)" = scpm ] || fail "/var/lib/scpm is not the scpm user's"
if [ -n "$models" ]; then
    install -d -o scpm -g scpm /var/lib/scpm/models
    mount --bind -o ro "$models" /var/lib/scpm/models
fi

unit=/lib/systemd/system/scpm.service
exec_start="$(sed -n 's/^ExecStart=//p' "$unit")"
user="$(sed -n 's/^User=//p' "$unit")"
folder="$(sed -n 's/^WorkingDirectory=//p' "$unit")"
echo "==> As the unit would: $exec_start (user $user, in $folder)"
touch "$scratch/installed"
sleep 1
# shellcheck disable=SC2086 # the unit's command line is split into words as systemd does
(cd "$folder" && exec setpriv --reuid "$user" --regid "$user" --init-groups -- $exec_start) >"$scratch/serve.log" 2>&1 &
pid=$!
ready=""
for _ in $(seq 1 180); do
    kill -0 "$pid" 2>/dev/null || fail "the service exited"
    code="$(curl -s -o "$scratch/readyz" -w '%{http_code}' http://127.0.0.1:8080/readyz || true)"
    if [ "$code" = 200 ] || { [ "$code" = 503 ] && [ -z "$models" ] && grep -q '"gestures"' "$scratch/readyz"; }; then
        ready="$code"; break
    fi
    sleep 1
done
[ -n "$ready" ] || fail "/readyz did not answer as expected: $(cat "$scratch/readyz" 2>/dev/null)"
say "/readyz $ready $(cat "$scratch/readyz")"
runs_as="$(ps -o user= -p "$pid" | tr -d ' ')"
[ "$runs_as" = "$user" ] || fail "the service runs as $runs_as, not $user"
say "runs as $runs_as"
grep -q '"level"' "$scratch/serve.log" || fail "the unit's logs are not JSON lines"

token="$(cat /var/lib/scpm/office_token)"
[ "$(stat -c %a /var/lib/scpm/office_token)" = 600 ] || fail "the office token is readable by others"
curl -sf http://127.0.0.1:8080/ | grep -q '<html' || fail "no wall page at /"
curl -sf http://127.0.0.1:8080/public | grep -q '<html' || fail "no public page"
say "the wall (/) and the public page (/public) are served"
curl -sf http://127.0.0.1:8080/api/state >/dev/null || fail "/api/state"
answer="$(curl -sf -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"text":"강남구 미세먼지 보여줘"}' http://127.0.0.1:8080/api/commands)" || fail "/api/commands"
echo "$answer" | grep -q '"understood":true' || fail "the command was not understood: $answer"
curl -sf -H "Authorization: Bearer $token" http://127.0.0.1:8080/api/audit | grep -q '강남구 미세먼지' \
    || fail "the command is not in the audit log"
say "a command from outside is understood, acted on and audited"

# `systemctl reload scpm`, as the unit says: a renamed office, at once, without a restart.
exec_reload="$(sed -n 's/^ExecReload=//p' "$unit")"
[ -n "$exec_reload" ] || fail "the unit has no ExecReload"
sed -i 's/^name = .*/name = "Reloaded office"/' /etc/scpm/scpm.toml
grep -q '^name = "Reloaded office"' /etc/scpm/scpm.toml || fail "the packaged config has no office.name"
reload_command="${exec_reload//\$MAINPID/$pid}"
# shellcheck disable=SC2086 # split into words as systemd does
$reload_command
renamed=""
for _ in $(seq 1 30); do
    curl -sf http://127.0.0.1:8080/healthz | grep -q '"office":"Reloaded office"' && { renamed=1; break; }
    sleep 0.5
done
[ -n "$renamed" ] || fail "ExecReload did not reload the config"
say "reload ($exec_reload): office.name changed without a restart"

kill -TERM "$pid"
wait "$pid" || true
written="$(cd "$scratch" && find usr/upper etc/upper var/upper -newer installed ! -type d \
    ! -path 'var/upper/lib/scpm/*' ! -path etc/upper/scpm/scpm.toml | head -20)"  # the reload step edited the config
[ -z "$written" ] || fail "the service wrote outside /var/lib/scpm: $written"
say "every file the service wrote is under /var/lib/scpm: $(cd /var/lib/scpm && find . -maxdepth 1 ! -name . -printf '%f ')"

[ -n "$models" ] && umount /var/lib/scpm/models
echo "==> dpkg --remove, then --purge"
dpkg --remove scpm | sed 's/^/  /'
[ ! -e /usr/bin/scpm ] || fail "remove left /usr/bin/scpm"
[ -e /etc/scpm/scpm.toml ] || fail "remove took the office's config (it goes with --purge)"
dpkg --purge scpm | sed 's/^/  /'
[ ! -e /etc/scpm/scpm.toml ] && [ ! -e /var/lib/scpm ] || fail "purge left the config or the state"
! getent passwd scpm >/dev/null || fail "purge left the scpm user"
say "removed and purged: no binary, config, state or user left"
echo "package check passed"
INSIDE
