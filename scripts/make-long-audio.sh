#!/usr/bin/env bash
# Builds long recordings for the benchmark from the real speech in tests/fixtures/speech/ (not committed).
#
#   scripts/make-long-audio.sh [MINUTES...]      default: 10 60
#
# For each length writes bench/out/long-<N>min.wav (16 kHz mono 16-bit) and bench/out/long-<N>min.jsonl
# (one eval line with the concatenated reference), cycling through the utterances of eval.jsonl with
# 1.0/1.5/2.0 s pauses between them until the length is reached. Files that already exist are kept.
set -euo pipefail
cd "$(dirname "$0")/.."

for cmd in sox soxi jq; do
	command -v "$cmd" >/dev/null || {
		echo "make-long-audio: '$cmd' is missing (apt-get install -y sox jq)" >&2
		exit 1
	}
done

speech=tests/fixtures/speech
out=bench/out
mkdir -p "$out"
mapfile -t lines <"$speech/eval.jsonl"
pauses=(1.0 1.5 2.0)

build() {
	local minutes=$1
	local wav=$out/long-${minutes}min.wav jsonl=$out/long-${minutes}min.jsonl
	if [ -s "$wav" ] && [ -s "$jsonl" ]; then
		echo "make-long-audio: $wav exists"
		return
	fi
	local tmp
	tmp=$(mktemp -d)
	local target=$((minutes * 60 * 16000)) total=0 i=0 n chunk=0 text=''
	local parts=()
	for p in "${pauses[@]}"; do sox -D -n -r 16000 -c 1 -b 16 "$tmp/pause-$p.wav" trim 0 "$p"; done
	# sox opens every input at once, so join in chunks of 50 to stay far below the open-file limit.
	flush() {
		if ((${#parts[@]})); then
			sox -D "${parts[@]}" "$tmp/chunk-$(printf %05d $chunk).wav"
			chunk=$((chunk + 1))
			parts=()
		fi
	}
	while ((total < target)); do
		local line=${lines[$((i % ${#lines[@]}))]}
		local audio
		audio=$speech/$(jq -r .audio <<<"$line")
		text+="${text:+ }$(jq -r .text <<<"$line")"
		parts+=("$audio")
		total=$((total + $(soxi -s "$audio")))
		local pause=$tmp/pause-${pauses[$((i % ${#pauses[@]}))]}.wav
		parts+=("$pause")
		total=$((total + $(soxi -s "$pause")))
		i=$((i + 1))
		((${#parts[@]} < 50)) || flush
	done
	flush
	sox -D "$tmp"/chunk-*.wav "$wav"
	# The reference of an hour is longer than one command-line argument may be (128 KiB): pass it as a file.
	printf '%s' "$text" >"$tmp/text"
	jq -cn --arg a "$(basename "$wav")" --rawfile t "$tmp/text" '{ audio: $a, text: $t }' >"$jsonl"
	rm -rf "$tmp"
	echo "make-long-audio: $wav $(soxi -d "$wav") ($i utterances)"
}

for minutes in "${@:-10 60}"; do
	for m in $minutes; do build "$m"; done
done
