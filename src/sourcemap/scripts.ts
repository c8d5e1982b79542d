import { fileURLToPath } from 'node:url';

/** What `Debugger.scriptParsed` says of one script. */
export interface ScriptInfo {
  scriptId: string;
  url: string;
  sourceMapURL?: string;
}

/**
 * The scripts of the inspected thread, by id and by name, as the inspector announced them. Frames
 * from the debugger name scripts by id; frames from `Error` stacks name them by URL or path.
 */
export class ScriptTable {
  readonly #byId = new Map<string, ScriptInfo>();
  readonly #byName = new Map<string, ScriptInfo>();

  add(script: ScriptInfo): void {
    this.#byId.set(script.scriptId, script);
    if (script.url !== '') this.#byName.set(normalizeScriptName(script.url), script);
  }

  byId(scriptId: string): ScriptInfo | undefined {
    return this.#byId.get(scriptId);
  }

  byName(name: string): ScriptInfo | undefined {
    return this.#byName.get(normalizeScriptName(name));
  }
}

/** `file:///a/b.js` and `/a/b.js` name the same script. */
export function normalizeScriptName(name: string): string {
  if (!name.startsWith('file://')) return name;
  try {
    return fileURLToPath(name);
  } catch {
    return name;
  }
}
