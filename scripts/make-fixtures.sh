#!/usr/bin/env bash
# Rebuilds the committed audio fixtures under tests/fixtures/.
#
#   scripts/make-fixtures.sh            synthetic fixtures (espeak-ng + sox), tests/fixtures/audio/
#   scripts/make-fixtures.sh speech     real recorded speech from Debian packages, tests/fixtures/speech/
#   scripts/make-fixtures.sh all        both
#
# Re-runnable and deterministic: sox runs with -R (fixed random seed for dither, noise and Ogg serials),
# so a re-run on the same package versions reproduces the committed bytes.
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-synthetic}
rate=16000

need() {
	for cmd in "$@"; do
		command -v "$cmd" >/dev/null || {
			echo "make-fixtures: '$cmd' is missing (apt-get install -y espeak-ng sox libsox-fmt-all ffmpeg)" >&2
			exit 1
		}
	done
}

# Mono 16 kHz 16-bit is what the engine consumes; the other encodings exist to test the decoder's conversions.
synthetic() {
	need espeak-ng sox soxi jq
	local out=tests/fixtures/audio
	local tmp
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	mkdir -p "$out"

	local sentence='The quick brown fox jumps over the lazy dog.'
	printf '%s\n' "$sentence" >"$out/sentence.txt"
	espeak-ng -v en-us -s 160 -w "$tmp/sentence.wav" "$sentence"

	sox -R -D "$tmp/sentence.wav" -r 16000 -c 1 -b 16 -e signed-integer "$out/sentence-16k-s16-mono.wav"
	sox -R -D "$tmp/sentence.wav" -r 44100 -c 2 -b 24 -e signed-integer "$out/sentence-44k1-s24-stereo.wav"
	sox -R -D "$tmp/sentence.wav" -r 48000 -c 1 -b 32 -e floating-point "$out/sentence-48k-f32-mono.wav"
	sox -R -D "$tmp/sentence.wav" -r 8000 -c 1 -b 16 -e signed-integer "$out/sentence-8k-s16-mono.wav"
	sox -R -D "$tmp/sentence.wav" -r 44100 -c 2 -C 64 "$out/sentence-44k1-stereo.mp3"
	sox -R -D "$tmp/sentence.wav" -r 48000 -c 1 -C 3 "$out/sentence-48k-mono.ogg"
	sox -R -D "$tmp/sentence.wav" -r 22050 -c 1 -b 16 "$out/sentence-22k05-mono.flac"

	sox -R -D -n -r $rate -c 1 -b 16 "$out/silence-3s.wav" trim 0 3
	# Peak -39 dBFS, RMS -50 dBFS: loud enough that a VAD or decoder sees non-zero input, far below speech level.
	sox -R -D -n -r $rate -c 1 -b 16 "$out/noise-3s.wav" synth 3 whitenoise vol 0.01
	: >"$out/empty.wav"
	# The header still announces the full data chunk; only the first third of the samples follow it.
	local full
	full=$(stat -c %s "$out/sentence-16k-s16-mono.wav")
	head -c $((44 + (full - 44) / 3)) "$out/sentence-16k-s16-mono.wav" >"$out/truncated.wav"
	printf 'This is a text file, not audio.\nA decoder must reject it with a clear error.\n' >"$out/not-audio.wav"

	long "$tmp" "$out"
	index "$out"
}

# Several sentences with known pauses, for segmentation tests; exact sample positions go to long-60s.json.
long() {
	local tmp=$1 out=$2
	local sentences=(
		'Good morning, and welcome to the weekly project meeting.'
		'First, the build is green again after the fix to the audio decoder.'
		'Second, we measured the speed of the new model on two processor cores.'
		'It transcribes one minute of speech in about three seconds.'
		'Third, the editor now highlights words that the model was unsure about.'
		'Please try it with your own recordings and send us your corrections.'
		'We will look at every rating before the next release.'
		'The next item is the plan for the public test in the spring.'
		'Volunteers will record short stories and read them aloud at home.'
		'Their recordings stay on their own computers unless they choose to share them.'
		'Any questions about the schedule can go to the team channel.'
		'That is all for today, thank you for listening.'
	)
	local pauses=(1.0 1.5 2.0 1.2 1.8 1.0 1.6 1.4 2.0 1.1 1.7)
	local lead=0.5 tail=0.5
	local parts=() json_speech='[]' json_pauses='[]'
	local pos i n

	sox -R -D -n -r $rate -c 1 -b 16 "$tmp/lead.wav" trim 0 $lead
	parts+=("$tmp/lead.wav")
	pos=$(soxi -s "$tmp/lead.wav")
	for i in "${!sentences[@]}"; do
		espeak-ng -v en-us -s 160 -w "$tmp/s$i-raw.wav" "${sentences[$i]}"
		# Trim espeak's own leading/trailing silence so the recorded boundaries are the speech itself.
		sox -R -D "$tmp/s$i-raw.wav" -r $rate -c 1 -b 16 "$tmp/s$i.wav" \
			silence 1 0.005 0.1% reverse silence 1 0.005 0.1% reverse
		n=$(soxi -s "$tmp/s$i.wav")
		json_speech=$(jq -c --arg t "${sentences[$i]}" --argjson s "$pos" --argjson e $((pos + n)) \
			'. + [{ text: $t, startSample: $s, endSample: $e, start: ($s / 16000), end: ($e / 16000) }]' \
			<<<"$json_speech")
		parts+=("$tmp/s$i.wav")
		pos=$((pos + n))
		if ((i < ${#pauses[@]})); then
			sox -R -D -n -r $rate -c 1 -b 16 "$tmp/p$i.wav" trim 0 "${pauses[$i]}"
			n=$(soxi -s "$tmp/p$i.wav")
			json_pauses=$(jq -c --argjson s "$pos" --argjson e $((pos + n)) \
				'. + [{ startSample: $s, endSample: $e, start: ($s / 16000), end: ($e / 16000) }]' <<<"$json_pauses")
			parts+=("$tmp/p$i.wav")
			pos=$((pos + n))
		fi
	done
	sox -R -D -n -r $rate -c 1 -b 16 "$tmp/tail.wav" trim 0 $tail
	parts+=("$tmp/tail.wav")
	pos=$((pos + $(soxi -s "$tmp/tail.wav")))

	sox -R -D "${parts[@]}" "$out/long-60s.wav"
	[ "$(soxi -s "$out/long-60s.wav")" -eq "$pos" ] || {
		echo "make-fixtures: long-60s.wav length does not match the sum of its parts" >&2
		exit 1
	}
	jq --tab -n --argjson speech "$json_speech" --argjson pauses "$json_pauses" --argjson total "$pos" '{
		file: "long-60s.wav",
		sampleRate: 16000,
		totalSamples: $total,
		durationSec: ($total / 16000),
		note: "espeak-ng en-us, 160 wpm; speech spans are trimmed at 0.1% amplitude; pauses are digital silence",
		text: ([$speech[].text] | join(" ")),
		speech: $speech,
		pauses: $pauses
	}' >"$out/long-60s.json"
}

# A table of every audio fixture and what a decoder should make of it, so decoder tests can be table-driven.
index() {
	local out=$1 f entries='[]' entry
	for f in "$out"/*.wav "$out"/*.mp3 "$out"/*.ogg "$out"/*.flac; do
		local name
		name=$(basename "$f")
		case "$name" in
		empty.wav) entry='{"expect":"error","reason":"empty"}' ;;
		not-audio.wav) entry='{"expect":"error","reason":"not audio"}' ;;
		truncated.wav) entry='{"expect":"error-or-partial","reason":"data chunk shorter than its header says"}' ;;
		silence-3s.wav) entry='{"expect":"no-speech"}' ;;
		noise-3s.wav) entry='{"expect":"no-speech"}' ;;
		long-60s.wav) entry='{"expect":"speech","textFile":"long-60s.json"}' ;;
		*) entry='{"expect":"speech","textFile":"sentence.txt"}' ;;
		esac
		if [ "$name" != empty.wav ] && [ "$name" != not-audio.wav ] && [ "$name" != truncated.wav ]; then
			entry=$(jq -c --argjson r "$(soxi -r "$f")" --argjson c "$(soxi -c "$f")" \
				--argjson d "$(soxi -D "$f")" --arg e "$(soxi -e "$f")" --argjson b "$(soxi -b "$f")" \
				'. + { sampleRate: $r, channels: $c, durationSec: $d, encoding: $e, bitsPerSample: $b }' <<<"$entry")
		fi
		entries=$(jq -c --arg n "$name" --argjson e "$entry" '. + [{ file: $n } + $e]' <<<"$entries")
	done
	jq --tab . <<<"$entries" >"$out/index.json"
}

# Real recorded speech: Asterisk's English prompts (Allison Smith, CC-BY-SA-3.0) from the 16 kHz G.722
# package, verbatim transcripts from the package's core-sounds-en.txt; plus two short ALSA test prompts.
speech() {
	need ffmpeg sox soxi jq
	local src=/usr/share/asterisk/sounds/en_US_f_Allison
	local txt=/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz
	local alsa=/usr/share/sounds/alsa
	local out=tests/fixtures/speech
	[ -f "$txt" ] && [ -f "$src/demo-echotest.g722" ] && [ -f "$alsa/Front_Center.wav" ] || {
		echo "make-fixtures: apt-get install -y asterisk-core-sounds-en asterisk-core-sounds-en-g722 alsa-utils" >&2
		exit 1
	}
	mkdir -p "$out"
	local prompts=(demo-echotest demo-abouttotry dir-intro demo-nogo tt-allbusy vm-instructions vm-newuser
		demo-thanks agent-alreadyon)
	local p text
	: >"$out/eval.jsonl"
	for p in "${prompts[@]}"; do
		ffmpeg -nostdin -loglevel error -y -f g722 -i "$src/$p.g722" -ar $rate -ac 1 -c:a pcm_s16le \
			-map_metadata -1 -fflags +bitexact -flags:a +bitexact "$out/$p.wav"
		text=$(zcat "$txt" | sed -n "s/^$p: //p" | sed 's/  */ /g; s/ *$//')
		# The package's text is the script she read; where the recording says otherwise, the recording wins.
		[ "$p" != demo-nogo ] || text=${text/#I am afraid/I\'m afraid}
		[ -n "$text" ] || {
			echo "make-fixtures: no transcript for $p" >&2
			exit 1
		}
		jq -cn --arg a "$p.wav" --arg t "$text" '{ audio: $a, text: $t }' >>"$out/eval.jsonl"
	done
	local a
	for a in Front_Center Rear_Right; do
		local name
		name=alsa-$(tr '[:upper:]_' '[:lower:]-' <<<"$a")
		sox -R -D "$alsa/$a.wav" -r $rate -c 1 -b 16 "$out/$name.wav"
		jq -cn --arg a "$name.wav" --arg t "${a/_/ }" '{ audio: $a, text: $t }' >>"$out/eval.jsonl"
	done
}

case "$what" in
synthetic) synthetic ;;
speech) speech ;;
all)
	speech
	synthetic
	;;
*)
	echo "usage: $0 [synthetic|speech|all]" >&2
	exit 2
	;;
esac
