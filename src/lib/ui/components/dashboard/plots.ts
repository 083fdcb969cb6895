/**
 * The dashboard's shared chart shapes (Observable Plot options), so every per-version chart lays out
 * its facets alike: one panel per version, the version named in a readable label on the right.
 */
import type * as PlotModule from '@observablehq/plot';

type Plot = typeof PlotModule;

/** Height of a chart with one facet row per version. */
export const facetHeight = (versions: number) => Math.max(1, versions) * 170 + 40;

/**
 * Options every faceted chart shares. The facet labels are the version names: at Plot's default 10 px
 * they were too small to read beside the panels, so the text is larger and the right margin fits it.
 */
export const facetLayout = {
	width: 900,
	// Room for a label like 'moonshine-tiny-en@1.2.0 (candidate)' at 13 px.
	marginRight: 300,
	// Two-line day ticks (the month under the first day of each): the default margin cut the month off.
	marginBottom: 42,
	style: { fontSize: '13px' },
	// Room between the panels: a point at the top of one panel read as part of the panel above.
	fy: { label: null, padding: 0.2 }
} as const;

const DAY = 86_400_000;

/** A day's estimate with its 95 % band, for one version. */
export interface DailyBandRow {
	day: Date;
	version: string;
	low: number | null;
	high: number | null;
}

/** Estimate per day (line and dots) inside its 95 % band (shaded), one panel per version. */
export function dailyBandPlot<R extends DailyBandRow>(
	Plot: Plot,
	rows: R[],
	o: {
		y: keyof R & string;
		/** The count behind each point (words, ratings): the dot's area, and its tooltip. */
		n: keyof R & string;
		nLabel: string;
		versions: number;
		yAxis: PlotModule.ScaleOptions;
		/**
		 * Start of the earliest open telemetry alert, if any. Days from then on are shaded and labelled in
		 * every panel: a type of event that stopped arriving makes those days' figures look better or worse
		 * than they are (no corrections: a WER near zero), and the chart must not let that pass as a trend.
		 */
		alertSince?: Date | null;
	}
) {
	const last = rows.reduce((t, r) => Math.max(t, r.day.getTime()), 0);
	const alert =
		o.alertSince && last
			? [
					{
						// Whole days, centred on the dots (a day's dot sits at its midnight UTC).
						x1: new Date(Math.floor(o.alertSince.getTime() / DAY) * DAY - DAY / 2),
						x2: new Date(Math.max(last, o.alertSince.getTime()) + DAY / 2)
					}
				]
			: [];
	// Dots no wider than a day's share of the panel: over 90 days full-size dots merged into a bar.
	const days = new Set(rows.map((r) => r.day.getTime())).size;
	const plotWidth = facetLayout.width - facetLayout.marginRight - 40;
	const maxR = Math.max(2, Math.min(6, plotWidth / Math.max(1, days) / 2));
	return Plot.plot({
		...facetLayout,
		height: facetHeight(o.versions),
		x: { type: 'utc', label: 'day' },
		// nice: the scale ends on a labelled gridline, so the highest points are not drawn on the panel's edge.
		y: { grid: true, nice: true, ...o.yAxis },
		r: { range: [Math.min(1.5, maxR / 2), maxR] },
		marks: [
			// No fy: the shading repeats in every version's panel.
			Plot.rectX(alert, { x1: 'x1', x2: 'x2', fill: '#c0392b', fillOpacity: 0.1 }),
			Plot.text(alert, {
				x: 'x1',
				frameAnchor: 'top',
				textAnchor: 'start',
				dx: 3,
				dy: 2,
				text: () => 'telemetry alert',
				fill: '#a02b1f'
			}),
			Plot.areaY(rows, { x: 'day', y1: 'low', y2: 'high', fy: 'version', fill: '#888', fillOpacity: 0.25 }),
			Plot.lineY(rows, { x: 'day', y: o.y, fy: 'version' }),
			Plot.dot(rows, {
				x: 'day',
				y: o.y,
				fy: 'version',
				r: o.n,
				fill: 'currentColor',
				title: (d: R) => `${String(d[o.n])} ${o.nLabel}`
			})
		]
	});
}
