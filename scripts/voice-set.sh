#!/usr/bin/env bash
# Makes the voice evaluation set: the grammar's example sentences spoken by espeak-ng (several
# voices per language), out-of-domain office talk (data/voice/out_of_domain.toml), each clean and
# mixed with pink noise at 20, 10 and 5 dB SNR (sox), 16 kHz mono 16-bit. Writes OUT/manifest.jsonl
# (file, lang, voice, snr, kind, text). Usage: scripts/voice-set.sh OUT [PER_LANG]
#   PER_LANG: how many example sentences per language (default 40; evenly spread over commands).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/voice-set.sh OUT [PER_LANG]}
per_lang=${2:-40}
source scripts/lib.sh
scpm="$SCPM_TARGET/${SCPM_PROFILE:-debug}/scpm"
[ -x "$scpm" ] || { echo "build scpm first (scripts/setup.sh)" >&2; exit 1; }
command -v espeak-ng >/dev/null && command -v sox >/dev/null || { echo "install espeak-ng and sox (scripts/setup.sh --for-tests)" >&2; exit 1; }
mkdir -p "$out"
manifest="$out/manifest.jsonl"
: > "$manifest.tmp"

# One manifest line: file lang voice snr kind text (python3 for the JSON escaping).
record() {
  python3 - "$@" >> "$manifest.tmp" <<'PY'
import json, sys
f, lang, voice, snr, kind, text = sys.argv[1:]
print(json.dumps({"file": f.split("/")[-1], "lang": lang, "voice": voice, "snr": snr, "kind": kind, "text": text}, ensure_ascii=False))
PY
}

# name lang voice rate kind text
speak() {
  local name=$1 lang=$2 voice=$3 rate=$4 kind=$5 text=$6
  local clean="$out/$name-clean.wav"
  if [ ! -s "$clean" ]; then
    espeak-ng -v "$voice" -s "$rate" -w "$out/$name.raw.wav" "$text"
    # Half a second of silence around the command, as a person pausing.
    sox -q "$out/$name.raw.wav" -r 16000 -c 1 -b 16 "$clean" pad 0.5 0.5
    rm -f "$out/$name.raw.wav"
  fi
  record "$clean" "$lang" "$voice" clean "$kind" "$text"
  for snr in 20 10 5; do
    local noisy="$out/$name-snr$snr.wav"
    if [ ! -s "$noisy" ]; then
      local len; len=$(soxi -D "$clean")
      # Pink noise scaled so that speech power / noise power = SNR (speech RMS from sox stat).
      local rms; rms=$(sox "$clean" -n stat 2>&1 | awk '/RMS +amplitude/ {print $3}')
      local noise_rms; noise_rms=$(python3 -c "print($rms / (10 ** ($snr / 20)))")
      sox -q -n -r 16000 -c 1 -b 16 "$out/noise.wav" synth "$len" pinknoise
      local nr; nr=$(sox "$out/noise.wav" -n stat 2>&1 | awk '/RMS +amplitude/ {print $3}')
      local gain; gain=$(python3 -c "print($noise_rms / $nr)")
      sox -q -m "$clean" -v "$gain" "$out/noise.wav" "$noisy"
    fi
    record "$noisy" "$lang" "$voice" "$snr" "$kind" "$text"
  done
}

for lang in ko en; do
  if [ "$lang" = ko ]; then voices=(ko+f2 ko+f3); rate=140; else voices=(en-us en+m3); rate=150; fi
  mapfile -t sentences < <("$scpm" commands --lang "$lang" --json | python3 -c "
import json, sys
d = json.load(sys.stdin)
per_command = [c['examples'] for c in d['catalogue'] if c['examples']]
picked, i = [], 0
while len(picked) < $per_lang and any(per_command):
    for ex in per_command:
        if i < len(ex) and len(picked) < $per_lang:
            picked.append(ex[i])
    i += 1
print('\n'.join(picked))")
  mapfile -t ood < <(python3 -c "import tomllib; print('\n'.join(tomllib.load(open('data/voice/out_of_domain.toml','rb'))['$lang']))")
  step "$lang: ${#sentences[@]} commands and ${#ood[@]} out-of-domain sentences × ${#voices[@]} voices × 4 noise levels"
  n=0
  for text in "${sentences[@]}"; do
    n=$((n + 1))
    for v in "${voices[@]}"; do speak "$lang-cmd$n-${v//+/_}" "$lang" "$v" "$rate" command "$text"; done
    printf '.'
  done
  n=0
  for text in "${ood[@]}"; do
    n=$((n + 1))
    for v in "${voices[@]}"; do speak "$lang-ood$n-${v//+/_}" "$lang" "$v" "$rate" ood "$text"; done
    printf '.'
  done
  echo
done
rm -f "$out/noise.wav"
mv "$manifest.tmp" "$manifest"
echo "$(wc -l < "$manifest") files → $manifest"
