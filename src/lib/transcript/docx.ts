/**
 * DOCX export through the `docx` package: the title as a heading, one paragraph per segment with optional
 * time and speaker, and the notes at the end. Kept apart from ./export.ts so the library is only loaded
 * when someone exports to Word.
 */
import { Document, HeadingLevel, Packer, Paragraph, TextRun } from 'docx';
import { timeOffset, type TranscriptDoc } from './document';
import type { TxtOptions } from './export';
import { formatClock } from './time';

// XML 1.0 cannot carry these at all; a stray one would make Word refuse the file.
// eslint-disable-next-line no-control-regex
const xmlSafe = (s: string) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');

/** Builds a Word document of the corrected transcript; resolves to the .docx bytes. */
export async function exportDocx(
	doc: TranscriptDoc,
	opts: TxtOptions = {}
): Promise<Uint8Array<ArrayBuffer>> {
	const paragraphs: Paragraph[] = [
		new Paragraph({
			heading: HeadingLevel.TITLE,
			children: [new TextRun(xmlSafe(doc.title || 'Transcript'))]
		})
	];
	for (const seg of doc.segments) {
		const text = xmlSafe(seg.words.map((w) => w.text).join(' '))
			.replace(/\s+/g, ' ')
			.trim();
		if (text === '') continue;
		const runs: TextRun[] = [];
		if (opts.timestamps)
			runs.push(new TextRun({ text: `[${formatClock(seg.start + timeOffset(doc))}] `, color: '666666' }));
		const speaker = xmlSafe(seg.speaker).replace(/\s+/g, ' ').trim();
		if ((opts.speakers ?? true) && speaker !== '')
			runs.push(new TextRun({ text: `${speaker}: `, bold: true }));
		runs.push(new TextRun(text));
		paragraphs.push(new Paragraph({ children: runs }));
	}
	if (doc.notes.trim() !== '') {
		paragraphs.push(new Paragraph({ heading: HeadingLevel.HEADING_2, children: [new TextRun('Notes')] }));
		for (const line of xmlSafe(doc.notes).split(/\r?\n/))
			paragraphs.push(new Paragraph({ children: [new TextRun(line)] }));
	}
	const file = new Document({
		creator: 'Redline',
		title: xmlSafe(doc.title),
		description: `Transcript by ${doc.model.id} ${doc.model.version}`,
		sections: [{ children: paragraphs }]
	});
	return new Uint8Array(await Packer.toArrayBuffer(file));
}
