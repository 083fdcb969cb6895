// Test helper: WAV files built byte by byte.

/** Builds a WAV file with the given format and raw sample bytes. */
export function wav(
	tag: number,
	channels: number,
	rate: number,
	bits: number,
	data: Uint8Array,
	declaredData?: number
) {
	const fmtSize = 16;
	const buf = new Uint8Array(12 + 8 + fmtSize + 8 + data.length);
	const v = new DataView(buf.buffer);
	const put = (at: number, s: string) => [...s].forEach((c, i) => (buf[at + i] = c.charCodeAt(0)));
	put(0, 'RIFF');
	v.setUint32(4, buf.length - 8, true);
	put(8, 'WAVE');
	put(12, 'fmt ');
	v.setUint32(16, fmtSize, true);
	v.setUint16(20, tag, true);
	v.setUint16(22, channels, true);
	v.setUint32(24, rate, true);
	v.setUint32(28, (rate * channels * bits) / 8, true);
	v.setUint16(32, (channels * bits) / 8, true);
	v.setUint16(34, bits, true);
	put(36, 'data');
	v.setUint32(40, declaredData ?? data.length, true);
	buf.set(data, 44);
	return buf;
}
