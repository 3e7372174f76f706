export * from './libc';
export * from './errors';
export * from './trace';
export * from './constants';
export * from './command';
