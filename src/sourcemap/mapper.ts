import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type EncodedSourceMap,
  originalPositionFor,
  sourceContentFor,
  TraceMap,
} from '@jridgewell/trace-mapping';
import type { RawFrame } from '../stack/frame.js';
import { normalizeScriptName, type ScriptTable } from './scripts.js';

/** A frame at its original source position, as a dump shows it. Lines and columns are 1-based. */
export interface SourceFrame {
  functionName: string;
  /** Absolute path of the original source, or the script's URL when it is not a file (`node:fs`). */
  file: string;
  line: number;
  column: number;
  /** Where V8 ran it, when a source map moved the position. */
  generated?: { file: string; line: number; column: number };
}

/** Reads source maps (inline `data:` URLs or files) and maps generated positions to original ones. */
export class SourceMapper {
  readonly #scripts: ScriptTable;
  readonly #maps = new Map<string, TraceMap | null>();
  readonly #sources = new Map<string, string[] | null>();

  constructor(scripts: ScriptTable) {
    this.#scripts = scripts;
  }

  /** Maps a frame to its original position; a frame without a usable source map keeps its own. */
  map(frame: RawFrame): SourceFrame {
    const file = normalizeScriptName(frame.url);
    const own: SourceFrame = {
      functionName: frame.functionName,
      file,
      line: frame.line,
      column: frame.column,
    };
    const map = this.#mapFor(frame.url);
    if (!map || frame.line < 1) return own;
    const original = originalPositionFor(map, { line: frame.line, column: Math.max(0, frame.column - 1) });
    if (original.source === null || original.line === null) return own;
    const source = resolveSource(original.source, file);
    return {
      // Not the map's `name`: at a call site that is the callee's, not the running function's.
      functionName: frame.functionName,
      file: source,
      line: original.line,
      column: (original.column ?? 0) + 1,
      generated: { file, line: frame.line, column: frame.column },
    };
  }

  /** Maps an inspector location (a script id, 0-based line and column) to its original position. */
  mapLocation(
    location: { scriptId: string; lineNumber: number; columnNumber: number },
    name: string,
  ): SourceFrame {
    const url = this.#scripts.byId(location.scriptId)?.url ?? '';
    return this.map({
      url,
      line: location.lineNumber + 1,
      column: location.columnNumber + 1,
      functionName: name,
    });
  }

  /** The original source's lines: from the map's `sourcesContent`, else from disk. */
  sourceLines(frame: SourceFrame): string[] | undefined {
    const cached = this.#sources.get(frame.file);
    if (cached !== undefined) return cached ?? undefined;
    let text: string | null = null;
    const map = frame.generated ? this.#mapFor(frame.generated.file) : undefined;
    if (map) {
      const index = map.resolvedSources.findIndex((s) => s !== null && resolveSource(s, '') === frame.file);
      const name = index >= 0 ? map.sources[index] : undefined;
      if (name != null) text = sourceContentFor(map, name);
    }
    if (text === null && path.isAbsolute(frame.file)) text = readText(frame.file);
    const lines = text === null ? null : text.split(/\r?\n/);
    this.#sources.set(frame.file, lines);
    return lines ?? undefined;
  }

  #mapFor(url: string): TraceMap | undefined {
    const script = this.#scripts.byName(url);
    const key = script?.scriptId ?? url;
    let map = this.#maps.get(key);
    if (map === undefined) {
      map = script?.sourceMapURL ? loadMap(script.sourceMapURL, normalizeScriptName(url)) : null;
      this.#maps.set(key, map);
    }
    return map ?? undefined;
  }
}

function loadMap(sourceMapURL: string, scriptFile: string): TraceMap | null {
  try {
    if (sourceMapURL.startsWith('data:'))
      return new TraceMap(decodeDataUrl(sourceMapURL), scriptFileUrl(scriptFile));
    const mapFile = sourceMapURL.startsWith('file://')
      ? fileURLToPath(sourceMapURL)
      : path.resolve(path.dirname(scriptFile), sourceMapURL);
    const text = readText(mapFile);
    return text === null
      ? null
      : new TraceMap(JSON.parse(text) as EncodedSourceMap, pathToFileURL(mapFile).href);
  } catch {
    return null;
  }
}

function decodeDataUrl(url: string): EncodedSourceMap {
  const comma = url.indexOf(',');
  const meta = url.slice(5, comma);
  const body = url.slice(comma + 1);
  const text = meta.endsWith(';base64')
    ? Buffer.from(body, 'base64').toString('utf8')
    : decodeURIComponent(body);
  return JSON.parse(text) as EncodedSourceMap;
}

function scriptFileUrl(file: string): string {
  return path.isAbsolute(file) ? pathToFileURL(file).href : file;
}

/** Sources resolved by trace-mapping are URLs; dumps name files by path. */
function resolveSource(source: string, scriptFile: string): string {
  if (source.startsWith('file://')) return normalizeScriptName(source);
  if (path.isAbsolute(source) || scriptFile === '') return source;
  return path.resolve(path.dirname(scriptFile), source);
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
