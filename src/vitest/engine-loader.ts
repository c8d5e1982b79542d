import { type Engine, registeredEngine } from '../guard/engine.js';
import type { WorkerExports } from './reexports.js';

// Node's modules by `process.getBuiltinModule`, not imported: part of the setup file and of the
// preload (see setup.ts).
const fs = process.getBuiltinModule('node:fs');
const path = process.getBuiltinModule('node:path');
const vm = process.getBuiltinModule('node:vm');
const { createRequire } = process.getBuiltinModule('node:module');
const { fileURLToPath, pathToFileURL } = process.getBuiltinModule('node:url');

/**
 * Compiles the engine script (a Vitest worker's whole share of hangdump) with a V8 code cache. A
 * worker is a fresh process or thread per test file, and most of what hangdump costs it is V8
 * compiling the same functions again, lazily, at their first call. Node's compile cache is made
 * before the code runs, so it holds none of those; the cache here is made from a worker that has run
 * a whole test file (`createCachedData`), and holds the functions compiled by then. Measured on a
 * suite of 20 files of 100 tests: about 9 M instructions less per file (Node 24).
 *
 * The cache lives in `node_modules/.cache/hangdump/` beside the installed package (whoever can write
 * there can change the package itself), named by a hash of the script and by Node's version; V8
 * checks it against its flags and rejects what does not fit, and a rejected or missing cache is made
 * again. Outside a `node_modules` directory there is no cache; any trouble with it only means none.
 */

const ENGINE_FILE = fileURLToPath(new URL('./vitest-engine.cjs', import.meta.url));
/** A hash of the engine script, stamped into this file by the build. */
const ENGINE_HASH = 'ENGINE_HASH_PLACEHOLDER';

/** The engine, compiled now unless this realm has one; `vitest` is handed to it as its `vitest` import. */
export function loadEngine(vitest: WorkerExports): Engine {
  const known = registeredEngine();
  if (known) return known;
  const cacheFile = cachePath();
  const cachedData = readCache(cacheFile);
  // The file is the whole function expression, in ASCII (see scripts/build.mjs).
  const script = new vm.Script(fs.readFileSync(ENGINE_FILE, 'latin1'), { filename: ENGINE_FILE, cachedData });
  const module = { exports: {} as { engine: Engine } };
  // esbuild's CommonJS output copies each export of a namespace import onto a new object (`__toESM`):
  // Vitest's hundred, at every load. An object that inherits them has none of its own to copy, and
  // the copy inherits them in turn.
  const vitestImport = Object.create(vitest) as typeof vitest;
  let requireHere: NodeJS.Require | undefined;
  const engineRequire = (id: string): unknown => {
    if (id === 'vitest') return vitestImport;
    // Node's modules straight from Node: `require` takes each through the module loader, about 25 µs
    // apiece, cold, for the engine's dozen (measured).
    if (id.startsWith('node:')) return process.getBuiltinModule(id);
    requireHere ??= createRequire(ENGINE_FILE);
    return requireHere(id);
  };
  script.runInThisContext()(module.exports, engineRequire, module, pathToFileURL(ENGINE_FILE).href);
  if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) {
    // At the end of the file: the cache then holds the code that ran for its tests too.
    vitest.afterAll(() => writeCache(cacheFile, script));
  }
  return module.exports.engine;
}

/** Where the cache goes: undefined when the package is not installed in a `node_modules` directory. */
function cachePath(): string | undefined {
  const modules = path.dirname(path.dirname(path.dirname(ENGINE_FILE)));
  if (path.basename(modules) !== 'node_modules') return undefined;
  return path.join(modules, '.cache', 'hangdump', `${ENGINE_HASH}-${process.version}-${process.arch}.v8`);
}

function readCache(file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Written whole or not at all (a temporary file renamed): workers of one run may race to write it. */
function writeCache(file: string, script: import('node:vm').Script): void {
  const temporary = `${file}.${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(temporary, script.createCachedData());
    fs.renameSync(temporary, file);
  } catch {
    fs.rm(temporary, { force: true }, () => {});
  }
}
