#!/usr/bin/env bash
# Makes a voice evaluation set of real Korean speech for `scpm bench voice`: the five clips of
# tests/data/korean-real-speech (people, not espeak), each clean and mixed with pink noise at 20
# and 10 dB SNR (sox), half a second of silence around each, 16 kHz mono 16-bit. Two ask for all
# the lights in blue (commands of the lighting grammar in tests/data/korean-lights); three are
# not commands (ood). Writes OUT/manifest.jsonl (file, lang, voice, snr, kind, text).
# Usage: scripts/korean-real-set.sh OUT
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/korean-real-set.sh OUT}
command -v sox >/dev/null || { echo "install sox (scripts/setup.sh --for-tests)" >&2; exit 1; }
clips=tests/data/korean-real-speech
mkdir -p "$out"
manifest="$out/manifest.jsonl"
: > "$manifest.tmp"
blue="모든 불을 파란색으로 바꿔 줘"
# clip kind text
while read -r clip kind; do
  name=$(basename "$clip" .wav)
  text=$([ "$kind" = command ] && echo "$blue" || echo "")
  clean="$out/$name-clean.wav"
  [ -s "$clean" ] || sox -q "$clips/$clip" -r 16000 -c 1 -b 16 "$clean" pad 0.5 0.5
  for snr in clean 20 10; do
    file="$clean"
    if [ "$snr" != clean ]; then
      file="$out/$name-snr$snr.wav"
      if [ ! -s "$file" ]; then
        # Pink noise scaled so that speech power / noise power = SNR (RMS from sox stat).
        rms=$(sox "$clean" -n stat 2>&1 | awk '/RMS +amplitude/ {print $3}')
        sox -q -n -r 16000 -c 1 -b 16 "$out/noise.wav" synth "$(soxi -D "$clean")" pinknoise
        nr=$(sox "$out/noise.wav" -n stat 2>&1 | awk '/RMS +amplitude/ {print $3}')
        sox -q -m "$clean" -v "$(python3 -c "print($rms / (10 ** ($snr / 20)) / $nr)")" "$out/noise.wav" "$file"
      fi
    fi
    python3 -c 'import json, sys; f, v, s, k, t = sys.argv[1:]; print(json.dumps({"file": f, "lang": "ko", "voice": v, "snr": s, "kind": k, "text": t}, ensure_ascii=False))' \
      "$(basename "$file")" "$name" "$snr" "$kind" "$text" >> "$manifest.tmp"
  done
done <<'LIST'
picovoice-rhino/test_within_context_ko.wav command
picovoice-sdk/koppulso-seumateu-jomyeong_ko.wav command
picovoice-rhino/test_out_of_context_ko.wav ood
picovoice-leopard/test_ko.wav ood
picovoice-porcupine/multiple_keywords_ko.wav ood
LIST
rm -f "$out/noise.wav"
mv "$manifest.tmp" "$manifest"
echo "$(wc -l < "$manifest") files in $out (manifest.jsonl)"
