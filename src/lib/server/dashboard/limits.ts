/** Bounds of the dashboard's work per request (kept in one place so the bench and captions agree). */

/** Latest corrected segments per version whose words feed calibration and confusions. */
export const SAMPLE_SEGMENTS = 2000;
