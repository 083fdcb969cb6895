import { describe, expect, it } from 'vitest';
import {
	actionFor,
	ariaKeyshortcuts,
	chordLabel,
	helpRows,
	KEYMAP,
	type ActionId,
	type KeyLike,
	type KeyScope
} from './keymap';

/** A key event: `key` plus the modifiers named in `mods` ("ctrl", "meta", "shift", "alt"). */
function press(key: string, mods = '', code = ''): KeyLike {
	return {
		key,
		code,
		ctrlKey: mods.includes('ctrl'),
		metaKey: mods.includes('meta'),
		shiftKey: mods.includes('shift'),
		altKey: mods.includes('alt')
	};
}

describe('actionFor: key matching', () => {
	it.each<{ scope: KeyScope; e: KeyLike; typing?: boolean; want: ActionId | null }>([
		{ scope: 'global', e: press(' ', 'ctrl'), want: 'togglePlay' },
		{ scope: 'global', e: press(' ', 'meta'), want: 'togglePlay' },
		// Some layouts give Ctrl+Space another key; the physical key still plays.
		{ scope: 'global', e: press('Unidentified', 'ctrl', 'Space'), want: 'togglePlay' },
		{ scope: 'global', e: press(' '), want: null },
		{ scope: 'global', e: press(',', 'ctrl'), want: 'back' },
		{ scope: 'global', e: press('.', 'meta'), want: 'forward' },
		{ scope: 'global', e: press('[', 'ctrl'), want: 'slower' },
		{ scope: 'global', e: press(']', 'ctrl'), want: 'faster' },
		{ scope: 'global', e: press('ArrowDown', 'ctrl alt'), want: 'volumeDown' },
		{ scope: 'global', e: press('ArrowUp', 'ctrl alt'), want: 'volumeUp' },
		{ scope: 'global', e: press('ArrowUp', 'ctrl'), want: null },
		{ scope: 'global', e: press('j', 'ctrl'), want: 'nextLow' },
		{ scope: 'global', e: press('J', 'ctrl shift'), want: 'nextLow' },
		{ scope: 'global', e: press('j', 'ctrl'), typing: true, want: 'nextLow' },
		{ scope: 'global', e: press('j'), want: null },
		{ scope: 'global', e: press('Enter', 'ctrl shift'), want: 'split' },
		{ scope: 'global', e: press('Enter', 'ctrl'), want: 'toggleConfirm' },
		{ scope: 'global', e: press('i', 'ctrl'), want: 'insertAfter' },
		{ scope: 'global', e: press('z', 'ctrl'), want: 'undo' },
		{ scope: 'global', e: press('Z', 'ctrl shift'), want: 'redo' },
		{ scope: 'global', e: press('y', 'meta'), want: 'redo' },
		// In a text field, Ctrl+Z/Y are the field's own undo and redo.
		{ scope: 'global', e: press('z', 'ctrl'), typing: true, want: null },
		{ scope: 'global', e: press('Z', 'ctrl shift'), typing: true, want: null },
		{ scope: 'global', e: press('y', 'ctrl'), typing: true, want: null },
		{ scope: 'global', e: press('/', 'ctrl'), want: 'help' },
		{ scope: 'global', e: press('/', 'ctrl'), typing: true, want: 'help' },
		{ scope: 'global', e: press('?', 'shift'), want: 'help' },
		{ scope: 'global', e: press('?', 'shift'), typing: true, want: null },
		{ scope: 'global', e: press('?', 'ctrl shift'), want: null },
		{ scope: 'global', e: press('q', 'ctrl'), want: null },
		{ scope: 'word', e: press('ArrowLeft'), want: 'selectPrevious' },
		{ scope: 'word', e: press('ArrowRight'), want: 'selectNext' },
		{ scope: 'word', e: press('ArrowLeft', 'shift'), want: 'extendPrevious' },
		{ scope: 'word', e: press('ArrowRight', 'shift'), want: 'extendNext' },
		{ scope: 'word', e: press('ArrowRight', 'alt'), want: null },
		{ scope: 'word', e: press('Enter'), want: 'edit' },
		{ scope: 'word', e: press('F2'), want: 'edit' },
		{ scope: 'word', e: press('Delete'), want: 'delete' },
		{ scope: 'word', e: press('Backspace'), want: 'delete' },
		{ scope: 'word', e: press('a'), want: 'typeOver' },
		{ scope: 'word', e: press('Ä', 'shift'), want: 'typeOver' },
		{ scope: 'word', e: press('é'), want: 'typeOver' },
		{ scope: 'word', e: press(' '), want: null },
		{ scope: 'word', e: press('?', 'shift'), want: null },
		{ scope: 'word', e: press('a', 'ctrl'), want: null },
		{ scope: 'word', e: press('a', 'meta'), want: null },
		{ scope: 'word', e: press('a', 'alt'), want: null },
		{ scope: 'word', e: press('Tab'), want: null }
	])('$scope $e.key ($e) typing=$typing → $want', ({ scope, e, typing = false, want }) => {
		expect(actionFor(scope, e, typing)).toBe(want);
	});
});

describe('helpRows', () => {
	it('lists every binding once, with each of its chords', () => {
		for (const isMac of [false, true]) {
			const rows = helpRows(isMac);
			expect(rows.map((r) => r.action)).toEqual(KEYMAP.map((b) => b.action));
			for (const [i, b] of KEYMAP.entries()) {
				expect(rows[i].label).toBe(b.label);
				for (const c of b.keys) expect(rows[i].keys).toContain(chordLabel(c, isMac));
			}
		}
		expect(new Set(KEYMAP.map((b) => b.action)).size).toBe(KEYMAP.length);
	});

	it.each<{ action: ActionId; isMac: boolean; keys: string }>([
		{ action: 'togglePlay', isMac: false, keys: 'Ctrl+Space' },
		{ action: 'togglePlay', isMac: true, keys: '⌘+Space' },
		{ action: 'volumeDown', isMac: false, keys: 'Ctrl+Alt+↓' },
		{ action: 'redo', isMac: false, keys: 'Ctrl+Shift+Z or Ctrl+Y' },
		{ action: 'help', isMac: true, keys: '⌘+/ or ?' },
		{ action: 'extendNext', isMac: false, keys: 'Shift+→' },
		{ action: 'edit', isMac: false, keys: 'Enter or F2 or double-click' },
		{ action: 'typeOver', isMac: false, keys: 'Type a letter' }
	])('writes $action as "$keys" (mac: $isMac)', ({ action, isMac, keys }) => {
		expect(helpRows(isMac).find((r) => r.action === action)?.keys).toBe(keys);
	});
});

describe('ariaKeyshortcuts', () => {
	it.each<[ActionId, string]>([
		['help', 'Control+/'],
		['undo', 'Control+Z'],
		['redo', 'Control+Shift+Z'],
		['nextLow', 'Control+J'],
		['toggleConfirm', 'Control+Enter'],
		['split', 'Control+Shift+Enter'],
		['togglePlay', 'Control+Space'],
		['volumeUp', 'Control+Alt+ArrowUp']
	])('%s → %s', (action, want) => {
		expect(ariaKeyshortcuts(action)).toBe(want);
	});
});
