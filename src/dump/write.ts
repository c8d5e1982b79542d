import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HangDump } from './model.js';
import { type DumpTarget, generatedName, jsonTwin, resolveTarget } from './naming.js';
import { renderText } from './text.js';

/** Where a dump was written. */
export interface WrittenDump {
  /** The text dump. */
  file: string;
  /** Its JSON twin. */
  json: string;
  /** Set when the requested place failed and the dump went to the temp directory instead. */
  fellBack?: { from: string; reason: string };
}

let counter = 0;

/**
 * Writes the text dump and its JSON twin, each atomically (temp file, fsync, rename), so no reader
 * ever sees half a dump. When the requested place fails (missing parent it cannot create, read-only,
 * full disk, a directory where the file should be), the dump goes to `os.tmpdir()/hangdump` instead.
 * Never throws: when even that fails, returns undefined, and the caller says so on stderr.
 */
export function writeDump(dump: HangDump, pathOption: string | undefined): WrittenDump | undefined {
  const target = resolveTarget(pathOption, dump.process.cwd);
  try {
    return writeTo(target, dump);
  } catch (error) {
    const from = target.kind === 'file' ? target.file : target.directory;
    try {
      const written = writeTo({ kind: 'directory', directory: path.join(os.tmpdir(), 'hangdump') }, dump);
      return { ...written, fellBack: { from, reason: describeError(error) } };
    } catch {
      return undefined;
    }
  }
}

function writeTo(target: DumpTarget, dump: HangDump): WrittenDump {
  const text = renderText(dump);
  const json = `${JSON.stringify(dump, null, 2)}\n`;
  if (target.kind === 'file') {
    ensureDirectory(path.dirname(target.file));
    atomicWrite(target.file, text, 'replace');
    writeTwin(target.file, json);
    return { file: target.file, json: jsonTwin(target.file) };
  }
  ensureDirectory(target.directory);
  for (;;) {
    const file = path.join(target.directory, generatedName(dump.label, dump.class, dump.process, ++counter));
    // The text file claims the name (no clobbering); its JSON twin follows it.
    if (!atomicWrite(file, text, 'exclusive')) continue;
    writeTwin(file, json);
    return { file, json: jsonTwin(file) };
  }
}

/**
 * Writes the JSON twin of a text dump already in place. When that fails (the disk filled up between
 * the two), the text goes too: a dump is in a place whole, text and JSON, or not at all.
 */
function writeTwin(textFile: string, json: string): void {
  try {
    atomicWrite(jsonTwin(textFile), json, 'replace');
  } catch (error) {
    fs.rmSync(textFile, { force: true });
    throw error;
  }
}

/**
 * Writes `content` to a temp file beside `file`, fsyncs it, and moves it into place: with `rename`
 * (replacing), or with `link` (failing when the name is taken, so concurrent writers never clobber
 * each other). Returns false when `exclusive` found the name taken.
 */
function atomicWrite(file: string, content: string, mode: 'replace' | 'exclusive'): boolean {
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`,
  );
  const fd = fs.openSync(temp, 'wx', 0o644);
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  try {
    if (mode === 'replace') {
      fs.renameSync(temp, file);
      return true;
    }
    try {
      fs.linkSync(temp, file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir retries forever where mkdir keeps
 * failing with ENOENT under an existing parent (/proc, some FUSE mounts): a hang of its own.
 */
function ensureDirectory(dir: string): void {
  try {
    if (fs.statSync(dir).isDirectory()) return;
  } catch {
    // Does not exist yet.
  }
  const parent = path.dirname(dir);
  if (parent !== dir) ensureDirectory(parent);
  try {
    fs.mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !fs.statSync(dir).isDirectory()) throw error;
  }
}

function describeError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const message = String(e?.message ?? error);
  return e?.code && !message.startsWith(e.code) ? `${e.code}: ${message}` : message;
}
