export * from './errors.ts';
export * from './primitives/index.ts';
