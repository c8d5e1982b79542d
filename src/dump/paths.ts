import path from 'node:path';

/** A path inside `cwd` is shown relative to it; anything else as it is. */
export function relativePath(file: string, cwd: string): string {
  if (!path.isAbsolute(file)) return file;
  const relative = path.relative(cwd, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
