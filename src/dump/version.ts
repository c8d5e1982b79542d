import { createRequire } from 'node:module';

/** This package's version, stamped into every dump (read from dist/, one level below package.json). */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version;
