import { describe, expect, it, vi } from 'vitest';
import { requestPersistence, storageStatus, type StorageManagerLike } from './persistence';

function fakeStorage(init: { persisted: boolean; grant: boolean }) {
	let persisted = init.persisted;
	const storage = {
		persisted: vi.fn(async () => persisted),
		persist: vi.fn(async () => {
			persisted = init.grant;
			return init.grant;
		}),
		estimate: vi.fn(async () => ({ usage: 1234, quota: 10_000 }))
	} satisfies StorageManagerLike;
	return storage;
}

describe('requestPersistence', () => {
	it.each([
		[{ persisted: false, grant: true }, true, 1],
		[{ persisted: false, grant: false }, false, 1],
		[{ persisted: true, grant: false }, true, 0]
	])('%o -> %s, asking %i times', async (init, expected, asks) => {
		const s = fakeStorage(init);
		expect(await requestPersistence(s)).toBe(expected);
		expect(s.persist).toHaveBeenCalledTimes(asks);
	});

	it('is false without the API and never throws', async () => {
		expect(await requestPersistence(null)).toBe(false);
		expect(await requestPersistence({})).toBe(false);
		expect(
			await requestPersistence({
				persist: () => Promise.reject(new Error('no')),
				persisted: async () => false
			})
		).toBe(false);
	});
});

describe('storageStatus', () => {
	it.each([
		[{ persisted: true, grant: true }, 'persisted'],
		[{ persisted: false, grant: false }, 'not-granted']
	])('%o -> %s with the estimate', async (init, state) => {
		expect(await storageStatus(fakeStorage(init))).toEqual({ state, usage: 1234, quota: 10_000 });
	});

	it('says unsupported without navigator.storage', async () => {
		expect(await storageStatus(null)).toEqual({ state: 'unsupported', usage: null, quota: null });
	});

	it('leaves usage unknown when there is no estimate', async () => {
		expect(await storageStatus({ persisted: async () => false })).toEqual({
			state: 'not-granted',
			usage: null,
			quota: null
		});
	});
});
