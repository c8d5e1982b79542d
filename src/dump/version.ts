import { createRequire } from 'node:module';

/** This package's version, stamped into every dump. */
export const VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string })
  .version;
