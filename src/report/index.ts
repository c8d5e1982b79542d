export {
  annotation,
  escapeData,
  escapeProperty,
  inGitHubActions,
  reportToGitHub,
  stepSummary,
} from './github.js';
export { runDumps, summarizeRun } from './run-summary.js';
