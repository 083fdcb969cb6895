#!/usr/bin/env bash
# Builds tests/fixtures/timing/: utterances spliced from single-word studio recordings (Asterisk's
# English prompts, Allison Smith), so every word's start and end is known to the sample.
#   scripts/make-timing-set.sh [package-dir]
# package-dir holds asterisk-core-sounds-en-g722_*.deb (downloaded with `apt-get download` when absent).
# Each word file is decoded from G.722 (16 kHz wideband), trimmed of leading and trailing silence
# (sox `silence`, -50 dBFS), and the words are joined with digital silence of known length. The
# reference start/end of a word is where its trimmed file begins and ends in the utterance.
# Deterministic: the word lists and gaps are fixed below; re-running on the same package gives the
# same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
for cmd in ffmpeg sox soxi jq dpkg-deb; do
	command -v "$cmd" >/dev/null || {
		echo "make-timing-set: '$cmd' is missing (apt-get install -y ffmpeg sox jq)" >&2
		exit 1
	}
done
pkgdir=${1:-$(mktemp -d)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
deb=$(ls "$pkgdir"/asterisk-core-sounds-en-g722_*_all.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ]; then
	(cd "$pkgdir" && apt-get download asterisk-core-sounds-en-g722)
	deb=$(ls "$pkgdir"/asterisk-core-sounds-en-g722_*_all.deb | head -1)
fi
dpkg-deb -x "$deb" "$tmp/pkg"
src="$tmp/pkg/usr/share/asterisk/sounds/en_US_f_Allison"
out=tests/fixtures/timing
mkdir -p "$out"
rm -f "$out"/*.wav
rate=16000

# word text => prompt file (relative to $src)
declare -A file=(
	[alpha]=phonetic/a_p [bravo]=phonetic/b_p [charlie]=phonetic/c_p [delta]=phonetic/d_p
	[echo]=phonetic/e_p [foxtrot]=phonetic/f_p [golf]=phonetic/g_p [hotel]=phonetic/h_p
	[india]=phonetic/i_p [juliet]=phonetic/j_p [kilo]=phonetic/k_p [lima]=phonetic/l_p
	[mike]=phonetic/m_p [november]=phonetic/n_p [oscar]=phonetic/o_p [papa]=phonetic/p_p
	[quebec]=phonetic/q_p [romeo]=phonetic/r_p [sierra]=phonetic/s_p [tango]=phonetic/t_p
	[uniform]=phonetic/u_p [victor]=phonetic/v_p [whiskey]=phonetic/w_p [yankee]=phonetic/y_p
	[zulu]=phonetic/z_p
	[monday]=digits/day-1 [tuesday]=digits/day-2 [wednesday]=digits/day-3 [thursday]=digits/day-4
	[friday]=digits/day-5 [saturday]=digits/day-6 [sunday]=digits/day-0
	[january]=digits/mon-0 [march]=digits/mon-2 [april]=digits/mon-3 [june]=digits/mon-5
	[august]=digits/mon-7 [october]=digits/mon-9 [december]=digits/mon-11
	[today]=digits/today [tomorrow]=digits/tomorrow [yesterday]=digits/yesterday
	[hundred]=digits/hundred [thousand]=digits/thousand [million]=digits/million
	[hello]=hello [goodbye]=goodbye [sorry]=sorry [your]=your [number]=number [extension]=extension
	[location]=location [time]=time [minutes]=minutes [seconds]=seconds
	[hours]=hours [calling]=calling [cancelled]=cancelled [activated]=activated [disabled]=disabled
	[enabled]=enabled [removed]=removed [added]=added [with]=with [for]=for [is]=is
)
utterances=(
	'hello alpha bravo charlie delta goodbye'
	'your extension is activated for tomorrow'
	'monday tuesday wednesday thursday friday saturday'
	'echo foxtrot golf hotel india juliet kilo'
	'sorry your number is disabled'
	'hours cancelled today with location removed'
	'mike november oscar papa quebec romeo sierra'
	'january march april june august october'
	'hundred thousand million hours minutes seconds'
	'calling uniform victor whiskey yankee zulu yesterday'
)
# Silence between words, in seconds, used in turn: from a short breath to a pause that splits segments.
gaps=(0.12 0.25 0.06 0.4 0.18 0.6 0.1 0.3 0.15 0.5)
lead=0.3 tail=0.3

sil() { sox -R -D -n -r $rate -c 1 -b 16 "$1" trim 0 "$2"; }
json='[]'
g=0
for u in "${!utterances[@]}"; do
	name=$(printf 'timing-%02d' $((u + 1)))
	read -r -a words <<<"${utterances[$u]}"
	sil "$tmp/lead.wav" $lead
	parts=("$tmp/lead.wav")
	pos=$(soxi -s "$tmp/lead.wav")
	wjson='[]'
	for i in "${!words[@]}"; do
		w=${words[$i]}
		ffmpeg -nostdin -loglevel error -y -f g722 -i "$src/${file[$w]}.g722" -ar $rate -ac 1 -c:a pcm_s16le "$tmp/raw.wav"
		sox -R -D "$tmp/raw.wav" "$tmp/$u-$i.wav" silence 1 0.005 -50d reverse silence 1 0.005 -50d reverse
		n=$(soxi -s "$tmp/$u-$i.wav")
		wjson=$(jq -c --arg t "$w" --argjson s "$pos" --argjson e $((pos + n)) \
			'. + [{text: $t, startSample: $s, endSample: $e, start: ($s / 16000), end: ($e / 16000)}]' <<<"$wjson")
		parts+=("$tmp/$u-$i.wav")
		pos=$((pos + n))
		if [ "$i" -lt $((${#words[@]} - 1)) ]; then
			sil "$tmp/gap-$u-$i.wav" "${gaps[$((g % ${#gaps[@]}))]}"
			g=$((g + 1))
			parts+=("$tmp/gap-$u-$i.wav")
			pos=$((pos + $(soxi -s "$tmp/gap-$u-$i.wav")))
		fi
	done
	sil "$tmp/tail.wav" $tail
	parts+=("$tmp/tail.wav")
	sox -R -D "${parts[@]}" -b 16 -e signed-integer "$out/$name.wav"
	json=$(jq -c --arg a "$name.wav" --arg t "${utterances[$u]}" --argjson w "$wjson" \
		'. + [{audio: $a, text: $t, words: $w}]' <<<"$json")
done
jq '{sampleRate: 16000, source: "asterisk-core-sounds-en-g722", utterances: .}' <<<"$json" >"$out/words.json"
du -ch "$out"/*.wav | tail -1
