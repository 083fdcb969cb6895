import { describe, expect, it } from 'vitest';
import { clientAddress } from './node-http';

describe('clientAddress (as adapter-node reads ADDRESS_HEADER and XFF_DEPTH)', () => {
	const xff = { 'x-forwarded-for': '6.6.6.6, 203.0.113.9, 10.0.0.2' };
	it.each([
		['no ADDRESS_HEADER: the socket peer', {}, xff, '10.0.0.1'],
		[
			'X-Forwarded-For, depth 1: the address the nearest proxy saw',
			{ ADDRESS_HEADER: 'X-Forwarded-For' },
			xff,
			'10.0.0.2'
		],
		[
			'depth 2: behind two proxies',
			{ ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '2' },
			xff,
			'203.0.113.9'
		],
		[
			'another header is taken whole',
			{ ADDRESS_HEADER: 'x-real-ip' },
			{ 'x-real-ip': ' 2001:db8::1 ' },
			'2001:db8::1'
		]
	])('%s', (_name, env, headers, expected) => {
		expect(clientAddress(headers, '10.0.0.1', env)).toBe(expected);
	});

	it.each([
		[{ ADDRESS_HEADER: 'x-forwarded-for' }, {}, /no such header/],
		[{ ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '4' }, xffHeaders(), /only found 3/],
		[{ ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '0' }, xffHeaders(), /positive integer/]
	])('refuses %j', (env, headers, error) => {
		expect(() => clientAddress(headers, '10.0.0.1', env)).toThrow(error);
	});
});

function xffHeaders() {
	return { 'x-forwarded-for': '6.6.6.6, 203.0.113.9, 10.0.0.2' };
}
