#!/usr/bin/env bash
# Builds the Debian package of scpm with Debian's own tools (dpkg-shlibdeps for the libraries it
# needs, dpkg-deb to pack it): the binary, the city data, the grammars and the gestures under
# /usr/share/scpm, /etc/scpm/scpm.toml, the systemd unit, and the maintainer scripts in
# packaging/. Progress goes to standard error; the package's path, alone, to standard output.
#
#   scripts/package.sh              a release build (what an office installs)
#   scripts/package.sh --profile dev   the test build (what scripts/package-check.sh tries in CI)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
exec 3>&1 1>&2
profile=release
if [ "${1:-}" = --profile ]; then profile="${2:?--profile needs release or dev}"; fi
case "$profile" in
  release) out_dir=release; build=(cargo build --locked --release --bin scpm) ;;
  dev) out_dir=debug; build=(cargo build --locked --bin scpm) ;;
  *) echo "--profile: release or dev, not $profile" >&2; exit 2 ;;
esac

step "[1/4] The binary ($profile)"
binary="$SCPM_TARGET/$out_dir/scpm"
# The test build packs the binary the tests just ran (rebuilding it without the tests' features
# would be another binary, and would cost a rebuild both ways); a release is always built.
if [ "$profile" = release ] || [ ! -x "$binary" ]; then
  "${build[@]}"
else
  echo "the tested binary: $binary"
fi

step "[2/4] The city data (generated boundaries: scpm data prepare)"
[ -s data/generated/MANIFEST.json ] || "$binary" data prepare

version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
arch="$(dpkg --print-architecture)"
stage="$SCPM_TARGET/package/scpm_${version}_${arch}"
step "[3/4] Staging $stage"
rm -rf "$stage"
install -D -m 0755 "$binary" "$stage/usr/bin/scpm"
strip --strip-debug "$stage/usr/bin/scpm"
share="$stage/usr/share/scpm"
install -d "$share/data/generated" "$share/grammars" "$share/gestures" "$share/scripts"
install -m 0644 data/*.toml "$share/data/"
install -m 0644 data/generated/* "$share/data/generated/"
cp -r grammars/. "$share/grammars/"
install -m 0644 gestures/gestures.toml "$share/gestures/"
install -m 0644 scripts/hand-models.py "$share/scripts/"
install -D -m 0644 packaging/scpm.toml "$stage/etc/scpm/scpm.toml"
install -D -m 0644 packaging/scpm.service "$stage/lib/systemd/system/scpm.service"
install -D -m 0644 README.md "$stage/usr/share/doc/scpm/README.md"
install -m 0644 scpm.example.toml "$stage/usr/share/doc/scpm/"
find "$stage" -type d -exec chmod 0755 {} +
install -d "$stage/DEBIAN"
install -m 0755 packaging/postinst packaging/prerm packaging/postrm "$stage/DEBIAN/"
echo /etc/scpm/scpm.toml > "$stage/DEBIAN/conffiles"

# The shared libraries the binary links (OpenCV, ALSA, …), as Debian names them.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debian"
printf 'Source: scpm\n\nPackage: scpm\nArchitecture: any\n' > "$work/debian/control"
depends="$(cd "$work" && dpkg-shlibdeps -O "$stage/usr/bin/scpm" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')"
size="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
cat > "$stage/DEBIAN/control" <<EOF
Package: scpm
Version: $version
Architecture: $arch
Maintainer: scpm developers <scpm@localhost>
Installed-Size: $size
Depends: $depends, adduser
Recommends: python3, python3-venv
Section: misc
Priority: optional
Description: Smart City Platform for the Mayor
 The mayor's office wall: the city's real-time status, citizens' opinion and
 the administration's indicators, commanded by voice (Korean and English),
 hand gestures, touch or typing, with video calls to department heads.
 Every command is audited. Runs as the systemd unit scpm.service, state in
 /var/lib/scpm; "scpm models prepare" fetches the speech and hand models.
EOF

step "[4/4] Packing"
deb="$SCPM_TARGET/package/scpm_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz -z1 --build "$stage" "$deb" >/dev/null
echo "$deb" >&3
