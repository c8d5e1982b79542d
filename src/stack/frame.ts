import { fileURLToPath } from 'node:url';

/** A stack frame at a generated (runtime) position, as V8 reports it. Lines and columns are 1-based. */
export interface RawFrame {
  /** A `file://`, `node:` or other URL, or an absolute path, as the script was named when compiled. */
  url: string;
  line: number;
  column: number;
  functionName: string;
}

/** hangdump's own bundled code, all of it in dist/ beside this file: its frames are never the culprit. */
const OWN_DIST = fileURLToPath(new URL('.', import.meta.url));

/** True for frames of Node itself (`node:…`, `internal/…`) or scripts without a name. */
export function isNodeInternal(url: string): boolean {
  return url === '' || url.startsWith('node:') || url.startsWith('internal/');
}

/** True for the user's own code: not Node's, not a dependency's, not hangdump's. */
export function isUserCode(url: string): boolean {
  return !isNodeInternal(url) && !url.includes('/node_modules/') && !isOwnCode(url);
}

/** True for frames of hangdump itself, which dumps leave out. */
export function isOwnCode(url: string): boolean {
  return (url.startsWith('file://') ? safePath(url) : url).startsWith(OWN_DIST);
}

function safePath(url: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    return url;
  }
}
