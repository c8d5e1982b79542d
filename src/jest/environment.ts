/**
 * hangdump's Jest test environment, `testEnvironment: 'hangdump/jest-environment'`: the project's own
 * environment (jest-environment-node unless `testEnvironmentOptions: { hangdump: { environment } }`
 * names another, such as jsdom) with every test function and hook under a guard whose budget is its
 * Jest timeout (`testEnvironmentOptions: { hangdump: { promises: true } }` tracks their promises).
 *
 * It runs outside the tests' vm context, in the worker's own realm: there hangdump's engine is loaded
 * once per process, and the watchdog reaches it while the test code is paused.
 * @packageDocumentation
 */

import type { CircusEvent, CircusState } from './circus.js';
import { CircusGuards } from './circus-guards.js';
import { EarlierHangs } from './earlier-hangs.js';
import { GUARDED_BY_ENVIRONMENT } from './sandbox.js';
import {
  type EnvironmentClass,
  ownOptions,
  type ProjectConfig,
  wrappedEnvironment,
} from './wrapped-environment.js';

export type { HangdumpEnvironmentOptions } from './wrapped-environment.js';

/** What Jest passes to a test environment's constructor (the parts hangdump reads). */
interface EnvironmentConfig {
  projectConfig: ProjectConfig;
}

interface EnvironmentContext {
  testPath: string;
}

/** What hangdump adds to the wrapped environment. */
interface Wrapped {
  handleTestEvent?(event: CircusEvent, state: CircusState): unknown;
  teardown(): Promise<void>;
  global: Record<symbol, unknown>;
}

const subclasses = new WeakMap<EnvironmentClass, EnvironmentClass>();

/**
 * The wrapped environment with hangdump's circus event handler. Its instance is the wrapped
 * environment's own (a subclass made for it), so Jest sees the global, fake timers and module mocker
 * it expects, whatever the environment.
 */
function withGuards(Base: EnvironmentClass): EnvironmentClass {
  let Guarded = subclasses.get(Base);
  if (Guarded) return Guarded;
  const BaseWrapped = Base as unknown as new (
    config: EnvironmentConfig,
    context: EnvironmentContext,
  ) => Wrapped;
  Guarded = class HangdumpGuarded extends BaseWrapped {
    readonly #guards: CircusGuards;
    readonly #earlier: EarlierHangs | undefined;

    constructor(config: EnvironmentConfig, context: EnvironmentContext) {
      super(withoutOwnOptions(config), context);
      const file = { path: context.testPath, rootDir: config.projectConfig.rootDir };
      this.#earlier = EarlierHangs.forFile(`${config.projectConfig.id}:${context.testPath}`);
      const promises = ownOptions(config.projectConfig).promises === true;
      this.#guards = new CircusGuards(file, this.#earlier, { promises });
      this.global[GUARDED_BY_ENVIRONMENT] = true;
    }

    override handleTestEvent(event: CircusEvent, state: CircusState): unknown {
      this.#guards.handle(event, state);
      return super.handleTestEvent?.(event, state);
    }

    override async teardown(): Promise<void> {
      this.#guards.end();
      this.#earlier?.release();
      await super.teardown();
    }
  } as unknown as EnvironmentClass;
  subclasses.set(Base, Guarded);
  return Guarded;
}

/** The wrapped environment reads `testEnvironmentOptions` too: it gets them without hangdump's key. */
function withoutOwnOptions(config: EnvironmentConfig): EnvironmentConfig {
  const { hangdump: _own, ...rest } = config.projectConfig.testEnvironmentOptions;
  return { ...config, projectConfig: { ...config.projectConfig, testEnvironmentOptions: rest } };
}

/**
 * The class Jest constructs: it builds the project's environment, extended with hangdump's guards.
 * @throws {Error} when the environment to wrap cannot be found or loaded.
 */
export default class HangdumpEnvironment {
  constructor(config: EnvironmentConfig, context: EnvironmentContext) {
    const Guarded = withGuards(wrappedEnvironment(config.projectConfig));
    // A constructor may return another object: Jest then uses the wrapped environment's instance.
    // biome-ignore lint/correctness/noConstructorReturn: see above
    return new (Guarded as unknown as new (c: EnvironmentConfig, x: EnvironmentContext) => object)(
      config,
      context,
    ) as HangdumpEnvironment;
  }
}
