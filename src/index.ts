/**
 * hangdump: when a block (a test, a hook, a start-up step) overruns its budget, a watchdog thread
 * writes a dump that says whether the event loop was BLOCKED or WAITING, the stuck line at its
 * original source position, and what the code waits on.
 * @packageDocumentation
 */
export type { DumpResult, HangClass, HangDump } from './dump/index.js';
export type { DumpHandle, DumpRequest, ResourceDetails } from './dump/model.js';
export { SCHEMA_VERSION } from './dump/model.js';
export { armHangDump, dumpOnHang, type HangGuard } from './guard/api.js';
export type { HangDumpOptions, OnBlocked } from './options.js';
