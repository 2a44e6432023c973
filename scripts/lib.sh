# Shared by the scripts: progress lines and the build directory.
step() { printf '\n==> %s\n' "$*"; }

# A persistent target dir lets a warm machine (and CI on it) reuse earlier builds.
if [ -z "${CARGO_TARGET_DIR:-}" ]; then
  for d in /var/cache/scpm-target "$HOME/.cache/scpm-target"; do
    if mkdir -p "$d" 2>/dev/null && [ -w "$d" ]; then export CARGO_TARGET_DIR="$d"; break; fi
  done
fi
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
SCPM_TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
