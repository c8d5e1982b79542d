export { type SourceFrame, SourceMapper } from './mapper.js';
export { normalizeScriptName, type ScriptInfo, ScriptTable } from './scripts.js';
