/** Pure statistics of model quality: estimators, intervals, calibration, tests, health rules. */
export * from '../shared/random';
export * from './ratio';
export * from './bootstrap';
export * from './wer';
export * from './calibration';
export * from './ratings';
export * from './compare';
export * from './change';
export * from './health';
export * from './served-threshold';
