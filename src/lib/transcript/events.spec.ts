import { describe, expect, it, vi } from 'vitest';
import { TranscriptEventHub } from './events';
import type { TranscriptDoc } from './document';

const doc = { id: 'd' } as TranscriptDoc;

describe('TranscriptEventHub', () => {
	it('delivers to every subscriber that has the handler, survives a throwing one, and unsubscribes', () => {
		const hub = new TranscriptEventHub();
		const seen: string[] = [];
		const error = vi.spyOn(console, 'error').mockImplementation(() => {});
		hub.subscribe({
			exported: () => {
				throw new Error('broken subscriber');
			}
		});
		const off = hub.subscribe({ exported: (e) => seen.push(`a:${e.format}`) });
		hub.subscribe({ rated: () => seen.push('rated-only') });
		hub.emit('exported', { doc, format: 'srt' });
		off();
		hub.emit('exported', { doc, format: 'vtt' });
		expect(seen).toEqual(['a:srt']);
		expect(error).toHaveBeenCalledTimes(2);
		error.mockRestore();
	});
});
