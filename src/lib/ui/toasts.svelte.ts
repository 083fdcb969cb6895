/** A short message at the bottom of the screen, optionally with one action (e.g. Undo). */
export interface Toast {
	id: number;
	message: string;
	actionLabel?: string;
	action?: () => void;
	/** 'alert' for errors (announced assertively), 'status' otherwise. */
	kind: 'status' | 'alert';
}

/** How long a toast with an action stays, in ms: long enough to reach Undo. */
export const ACTION_TOAST_MS = 8000;
/** How long a plain toast stays, in ms. */
export const PLAIN_TOAST_MS = 5000;

/** The app's toast stack. */
export class Toasts {
	items = $state<Toast[]>([]);
	private nextId = 1;
	// Timers are bookkeeping, not UI state, so a plain Map is right here.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	private timers = new Map<number, ReturnType<typeof setTimeout>>();

	/** Shows a toast; returns its id. `onExpire` runs when it times out without its action being taken. */
	push(t: Omit<Toast, 'id' | 'kind'> & { kind?: Toast['kind']; onExpire?: () => void }): number {
		const id = this.nextId++;
		const { onExpire, ...rest } = t;
		this.items.push({ kind: 'status', ...rest, id });
		const ms = t.action ? ACTION_TOAST_MS : PLAIN_TOAST_MS;
		this.timers.set(
			id,
			setTimeout(() => {
				if (this.dismiss(id)) onExpire?.();
			}, ms)
		);
		return id;
	}

	/** Runs a toast's action and removes it. */
	act(id: number): void {
		const toast = this.items.find((t) => t.id === id);
		if (!toast) return;
		this.dismiss(id);
		toast.action?.();
	}

	/** Removes a toast; false when it was already gone. */
	dismiss(id: number): boolean {
		clearTimeout(this.timers.get(id));
		this.timers.delete(id);
		const i = this.items.findIndex((t) => t.id === id);
		if (i < 0) return false;
		this.items.splice(i, 1);
		return true;
	}
}
