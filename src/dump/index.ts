export { buildDump, type DumpInput, type GuardedSnapshot, relativePath } from './build.js';
export type { CodeLine, DumpFrame, HangClass, HangDump, NativeBlock, ProcessFacts } from './model.js';
export { SCHEMA_VERSION } from './model.js';
export { type DumpProblem, findDumps, type ReadDump, readDumpFile } from './read.js';
export { reportDump, writeStderr } from './report.js';
export { type DumpResult, toResult } from './result.js';
export { formatPosition, renderText } from './text.js';
export { type WrittenDump, writeDump } from './write.js';
