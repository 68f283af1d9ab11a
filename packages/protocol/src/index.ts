export * from './errors.ts';
export * from './primitives/index.ts';
export * from './records/index.ts';
export * from './compression/index.ts';
export * from './generated/index.ts';
