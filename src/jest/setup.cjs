'use strict';
// hangdump's Jest setup file, `setupFilesAfterEnv: ['hangdump/jest']`. Jest runs it in each test
// file's vm context through its own CommonJS registry, which cannot load hangdump (an ES module) and
// would load a fresh copy of anything for every test file. Node's own loader, reached from the
// worker's main context (where vm.runInThisContext runs, with Node's own `process`), loads the engine
// once per process, with require(esm) (Node >= 20.19).
const { runInThisContext } = require('node:vm');
const { afterAll, afterEach, beforeEach, expect } = require('@jest/globals');

const nodeModule = runInThisContext('process').getBuiltinModule('node:module');
nodeModule
  .createRequire(__filename)('./jest-setup.js')
  .installGuards(globalThis, { afterAll, afterEach, beforeEach, expect });
