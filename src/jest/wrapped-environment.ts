import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describeValue, invalidOption } from '../errors.js';
import { booleanFrom } from '../options.js';
import { writeStderr } from '../stderr.js';

/** What hangdump's environment wraps unless told otherwise. */
const DEFAULT_ENVIRONMENT = 'jest-environment-node';

/** The parts of Jest's project config the wrapper reads. */
export interface ProjectConfig {
  /** Jest's id of the project (unique among the projects of a run). */
  id: string;
  rootDir: string;
  /** The test runner's file, resolved by Jest (jest-circus's runner, in the Jest that runs). */
  testRunner: string;
  testEnvironmentOptions: Record<string, unknown>;
}

/** hangdump's own key in `testEnvironmentOptions`. */
export interface HangdumpEnvironmentOptions {
  /**
   * The test environment to wrap, named as in `testEnvironment` (`'jsdom'`, `'jest-environment-jsdom'`,
   * a path relative to rootDir), resolved from the project's rootDir.
   * @default 'jest-environment-node', from the Jest that runs the tests
   */
  environment?: string;
  /**
   * Track the promises each test and hook creates, so that a WAITING dump (and the timeout failure)
   * names the `await` the test is suspended at. Off by default: it captures a stack for every
   * promise created while a test runs (a few microseconds each).
   * @default false
   */
  promises?: boolean;
}

/** A test environment class, as Jest constructs it. */
export type EnvironmentClass = new (config: never, context: never) => object;

const loaded = new Map<string, EnvironmentClass>();

/**
 * Finds and loads the environment hangdump wraps: the one named in `testEnvironmentOptions.hangdump`,
 * or `jest-environment-node` of the Jest that runs (as Jest's own default is), never hangdump's own
 * copy, which may belong to another Jest. Loaded once per process.
 * @throws {TypeError} for bad options; {Error} when the environment cannot be found or is no class.
 */
export function wrappedEnvironment(config: ProjectConfig): EnvironmentClass {
  const file = resolveEnvironment(config);
  let Environment = loaded.get(file);
  if (!Environment) {
    const exported = createRequire(file)(file) as Record<string, unknown> | undefined;
    const candidate = exported?.TestEnvironment ?? exported?.default ?? exported;
    if (typeof candidate !== 'function') {
      throw new Error(`hangdump: ${file} exports no test environment class to wrap.`);
    }
    Environment = candidate as EnvironmentClass;
    loaded.set(file, Environment);
    warnOnOtherJest(file, config.testRunner);
  }
  return Environment;
}

/**
 * hangdump's options in `testEnvironmentOptions` (which the wrapped environment does not see).
 * @throws {TypeError} for bad options, naming the option.
 */
export function ownOptions(config: ProjectConfig): HangdumpEnvironmentOptions {
  const options = config.testEnvironmentOptions.hangdump ?? {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidOption(
      TypeError,
      `Expected testEnvironmentOptions.hangdump to be an object, got ${describeValue(options)}.`,
    );
  }
  for (const [key, value] of Object.entries(options)) {
    if (key === 'promises') {
      booleanFrom(value, 'testEnvironmentOptions.hangdump.promises');
      continue;
    }
    if (key !== 'environment') {
      throw invalidOption(
        TypeError,
        `Unknown option \`${key}\` in testEnvironmentOptions.hangdump: expected \`environment\` or \`promises\`.`,
      );
    }
    if (typeof value !== 'string' || value.trim() === '') {
      throw invalidOption(
        TypeError,
        `Expected testEnvironmentOptions.hangdump.environment to be a test environment's name or path, got ${describeValue(value)}.`,
      );
    }
  }
  return options as HangdumpEnvironmentOptions;
}

function resolveEnvironment(config: ProjectConfig): string {
  const named = ownOptions(config).environment;
  const runner = path.dirname(config.testRunner);
  if (named === undefined) {
    return (
      resolveFrom([DEFAULT_ENVIRONMENT], [runner, config.rootDir]) ?? notFound(DEFAULT_ENVIRONMENT, config)
    );
  }
  // As Jest reads `testEnvironment`: 'jsdom' means jest-environment-jsdom, a path is from rootDir.
  const request = named.replace(/^<rootDir>/, config.rootDir);
  const requests = /^[./]/.test(request) ? [request] : [`jest-environment-${request}`, request];
  return resolveFrom(requests, [config.rootDir, runner]) ?? notFound(named, config);
}

function resolveFrom(requests: string[], directories: string[]): string | undefined {
  for (const directory of directories) {
    const require = createRequire(path.join(directory, 'package.json'));
    for (const request of requests) {
      try {
        return require.resolve(request);
      } catch {
        // Not from here.
      }
    }
  }
  return undefined;
}

function notFound(name: string, config: ProjectConfig): never {
  throw new Error(
    `hangdump: cannot find the test environment "${name}" to wrap, from ${config.rootDir}. Install it, or name another in testEnvironmentOptions: { hangdump: { environment: '…' } }.`,
  );
}

/**
 * Jest's environments belong to one Jest version: a jest-environment-* of another major version
 * than the running jest-circus is a layout mistake worth a line (two Jests in one tree).
 */
function warnOnOtherJest(file: string, testRunner: string): void {
  const environment = packageOf(file);
  const circus = packageOf(testRunner);
  if (!environment?.name?.startsWith('jest-environment-') || circus?.name !== 'jest-circus') return;
  const major = (version: string | undefined) => version?.split('.')[0];
  if (major(environment.version) !== major(circus.version)) {
    writeStderr(
      `hangdump: wrapping ${environment.name} ${environment.version} (${file}) while jest-circus ${circus.version} runs the tests: install ${environment.name}@${major(circus.version)}.\n`,
    );
  }
}

/** The package.json of the package a file belongs to. */
function packageOf(file: string): { name?: string; version?: string } | undefined {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (manifest.name) return manifest;
    } catch {
      // No manifest here: look further up.
    }
  }
  return undefined;
}
