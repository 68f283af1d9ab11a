export * from './errors.ts';
export * from './primitives/index.ts';
export * from './records/batch-header.ts';
export { crc32c } from './records/crc32c.ts';
export * from './generated/index.ts';
