/**
 * The editor's keyboard shortcuts, declared once: the key handlers (Editor.svelte), the shortcuts help
 * (ShortcutsHelp.svelte) and the toolbar's `aria-keyshortcuts` all read this table, so a shortcut
 * cannot work without being listed, or be listed without working.
 */

/** What a shortcut does; Editor.svelte maps each id to a call. */
export type ActionId =
	| 'togglePlay'
	| 'back'
	| 'forward'
	| 'slower'
	| 'faster'
	| 'volumeDown'
	| 'volumeUp'
	| 'nextLow'
	| 'toggleConfirm'
	| 'undo'
	| 'redo'
	| 'split'
	| 'insertAfter'
	| 'selectPrevious'
	| 'selectNext'
	| 'extendPrevious'
	| 'extendNext'
	| 'edit'
	| 'typeOver'
	| 'delete'
	| 'help';

/** `Chord.key` for any single printable character (typing over a selected word). */
export const PRINTABLE = 'printable';

/** One key combination. Modifiers left undefined are not looked at; true/false require or forbid them. */
export interface Chord {
	/** `KeyboardEvent.key`, compared case-insensitively, or PRINTABLE. */
	key: string;
	/** `KeyboardEvent.code` that matches too (Ctrl+Space gives other `key`s on some layouts). */
	code?: string;
	/** Ctrl, or ⌘ on a Mac; required when true, forbidden otherwise. */
	mod?: boolean;
	shift?: boolean;
	alt?: boolean;
	/** Characters PRINTABLE does not match. */
	except?: string[];
	/** Ignored while typing in a text field (the field's own meaning of the key applies). */
	notWhileTyping?: boolean;
}

/**
 * Where a binding listens: `global` on the window (with Ctrl/⌘ these work while typing), `word` on a
 * focused word of the transcript.
 */
export type KeyScope = 'global' | 'word';

/** One shortcut: an action, its key combinations (alternatives) and its label in the help. */
export interface Binding {
	action: ActionId;
	scope: KeyScope;
	keys: Chord[];
	label: string;
	/** Said after the keys in the help (a way to do the same without the keyboard). */
	alsoBy?: string;
}

const mod = (key: string, extra: Partial<Chord> = {}): Chord => ({ key, mod: true, ...extra });
const onWord = (key: string, extra: Partial<Chord> = {}): Chord => ({ key, alt: false, ...extra });

/**
 * Every shortcut, in the order the help lists them. Within a scope the first matching chord wins, so a
 * chord with Shift comes before the same key without (Ctrl+Shift+Enter splits, Ctrl+Enter confirms).
 */
export const KEYMAP: readonly Binding[] = [
	{ action: 'togglePlay', scope: 'global', keys: [mod(' ', { code: 'Space' })], label: 'Play / pause' },
	{ action: 'back', scope: 'global', keys: [mod(',')], label: 'Back 5 seconds' },
	{ action: 'forward', scope: 'global', keys: [mod('.')], label: 'Forward 5 seconds' },
	{ action: 'slower', scope: 'global', keys: [mod('[')], label: 'Slower' },
	{ action: 'faster', scope: 'global', keys: [mod(']')], label: 'Faster' },
	{ action: 'volumeDown', scope: 'global', keys: [mod('ArrowDown', { alt: true })], label: 'Volume down' },
	{ action: 'volumeUp', scope: 'global', keys: [mod('ArrowUp', { alt: true })], label: 'Volume up' },
	{ action: 'nextLow', scope: 'global', keys: [mod('j')], label: 'Next low-confidence word' },
	{
		action: 'split',
		scope: 'global',
		keys: [mod('Enter', { shift: true })],
		label: 'Split segment before selected word'
	},
	{ action: 'toggleConfirm', scope: 'global', keys: [mod('Enter')], label: 'Mark selected word correct' },
	{ action: 'insertAfter', scope: 'global', keys: [mod('i')], label: 'Insert words after selection' },
	// In a text field the browser's own undo applies to what is being typed.
	{
		action: 'redo',
		scope: 'global',
		keys: [mod('z', { shift: true, notWhileTyping: true }), mod('y', { notWhileTyping: true })],
		label: 'Redo'
	},
	{ action: 'undo', scope: 'global', keys: [mod('z', { notWhileTyping: true })], label: 'Undo' },
	{
		action: 'help',
		scope: 'global',
		keys: [mod('/'), { key: '?', notWhileTyping: true }],
		label: 'Show this help'
	},
	{
		action: 'selectPrevious',
		scope: 'word',
		keys: [onWord('ArrowLeft', { shift: false })],
		label: 'Previous word (in the transcript)'
	},
	{
		action: 'selectNext',
		scope: 'word',
		keys: [onWord('ArrowRight', { shift: false })],
		label: 'Next word (in the transcript)'
	},
	{
		action: 'extendPrevious',
		scope: 'word',
		keys: [onWord('ArrowLeft', { shift: true })],
		label: 'Extend selection to the left'
	},
	{
		action: 'extendNext',
		scope: 'word',
		keys: [onWord('ArrowRight', { shift: true })],
		label: 'Extend selection to the right'
	},
	{
		action: 'edit',
		scope: 'word',
		keys: [onWord('Enter'), onWord('F2')],
		alsoBy: 'double-click',
		label: 'Edit selected words (Enter saves, Escape cancels)'
	},
	{
		action: 'delete',
		scope: 'word',
		keys: [onWord('Delete'), onWord('Backspace')],
		label: 'Delete selected words'
	},
	// Space plays in most players and '?' opens the help, so neither replaces a word.
	{
		action: 'typeOver',
		scope: 'word',
		keys: [onWord(PRINTABLE, { except: [' ', '?'] })],
		label: 'Replace the selected word'
	}
];

/** The parts of a KeyboardEvent that matching looks at. */
export type KeyLike = Pick<KeyboardEvent, 'key' | 'code' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>;

/** Whether `e` is `chord` (ignoring `notWhileTyping`, which is the caller's to apply). */
export function chordMatches(chord: Chord, e: KeyLike): boolean {
	if ((chord.mod ?? false) !== (e.ctrlKey || e.metaKey)) return false;
	if (chord.shift !== undefined && chord.shift !== e.shiftKey) return false;
	if (chord.alt !== undefined && chord.alt !== e.altKey) return false;
	if (chord.key === PRINTABLE) return e.key.length === 1 && !(chord.except ?? []).includes(e.key);
	return (
		e.key.toLowerCase() === chord.key.toLowerCase() || (chord.code !== undefined && e.code === chord.code)
	);
}

/**
 * The action `e` triggers in `scope`, or null: the first binding with a matching chord, and none when
 * that chord does not apply while typing and the user is (`typing`).
 */
export function actionFor(scope: KeyScope, e: KeyLike, typing: boolean): ActionId | null {
	for (const b of KEYMAP) {
		if (b.scope !== scope) continue;
		const chord = b.keys.find((c) => chordMatches(c, e));
		if (chord) return chord.notWhileTyping && typing ? null : b.action;
	}
	return null;
}

const KEY_NAMES: Record<string, string> = {
	' ': 'Space',
	arrowup: '↑',
	arrowdown: '↓',
	arrowleft: '←',
	arrowright: '→',
	enter: 'Enter',
	delete: 'Delete',
	backspace: 'Backspace',
	f2: 'F2'
};

/** How the help writes a chord: "Ctrl+Shift+Z", "⌘+J" on a Mac, "Type a letter" for PRINTABLE. */
export function chordLabel(chord: Chord, isMac: boolean): string {
	if (chord.key === PRINTABLE) return 'Type a letter';
	const parts = [
		...(chord.mod ? [isMac ? '⌘' : 'Ctrl'] : []),
		...(chord.shift ? ['Shift'] : []),
		...(chord.alt ? ['Alt'] : []),
		KEY_NAMES[chord.key.toLowerCase()] ?? chord.key.toUpperCase()
	];
	return parts.join('+');
}

/** One row of the shortcuts help. */
export interface HelpRow {
	action: ActionId;
	keys: string;
	label: string;
}

/** The shortcuts help: one row per binding, its chords joined by "or". */
export function helpRows(isMac: boolean): HelpRow[] {
	return KEYMAP.map((b) => ({
		action: b.action,
		keys: [...b.keys.map((c) => chordLabel(c, isMac)), ...(b.alsoBy ? [b.alsoBy] : [])].join(' or '),
		label: b.label
	}));
}

const ARIA_KEY_NAMES: Record<string, string> = { ' ': 'Space' };

/**
 * The `aria-keyshortcuts` value of an action: its first chord in the ARIA syntax ("Control+Shift+Z").
 * ⌘ is announced as Control too, as the attribute has always said here; the help shows ⌘.
 */
export function ariaKeyshortcuts(action: ActionId): string {
	const b = KEYMAP.find((x) => x.action === action);
	if (!b) throw new Error(`no binding for action ${action}`);
	const c = b.keys[0];
	const key = ARIA_KEY_NAMES[c.key] ?? (c.key.length === 1 ? c.key.toUpperCase() : c.key);
	return [...(c.mod ? ['Control'] : []), ...(c.shift ? ['Shift'] : []), ...(c.alt ? ['Alt'] : []), key].join(
		'+'
	);
}
