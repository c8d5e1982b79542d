/**
 * GitHub Actions output for dumps: an `::error` workflow command at the stuck line (so the hang shows
 * in the pull request's diff) and a Markdown step summary. Escaping follows GitHub's documented
 * workflow-command rules.
 */
import fs from 'node:fs';
import type { HangDump } from '../dump/model.js';
import { formatPosition } from '../dump/text.js';

/** `%`, CR and LF in a workflow command's message. */
export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A workflow command's property value: the message's escapes, plus `:` and `,`. */
export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** The `::error` annotation of a dump, at its stuck line when it has one. */
export function annotation(dump: HangDump, dumpFile: string): string {
  const properties = [
    ...(dump.stuck
      ? [
          `file=${escapeProperty(dump.stuck.frame.file)}`,
          `line=${dump.stuck.frame.line}`,
          `col=${dump.stuck.frame.column}`,
        ]
      : []),
    `title=${escapeProperty(`hangdump: ${dump.class}`)}`,
  ];
  const message = `${dump.headline}\nDump: ${dumpFile}`;
  return `::error ${properties.join(',')}::${escapeData(message)}`;
}

/** A Markdown summary of dumps: a table, then each dump's stuck code. */
export function stepSummary(dumps: readonly { dump: HangDump; file: string }[]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    `### hangdump: ${dumps.length} hang dump${dumps.length === 1 ? '' : 's'}`,
    '',
    '| class | test | stuck at | dump |',
    '| --- | --- | --- | --- |',
    ...dumps.map(
      ({ dump, file }) =>
        `| ${dump.class} | ${cell(dump.label)} | ${dump.stuck ? `\`${cell(formatPosition(dump.stuck.frame))}\`` : ''} | \`${cell(file)}\` |`,
    ),
    '',
  ];
  for (const { dump } of dumps) {
    if (!dump.stuck?.code.length) continue;
    lines.push(
      `<details><summary>${cell(dump.label)}: ${formatPosition(dump.stuck.frame)}</summary>`,
      '',
      '```text',
      ...dump.stuck.code.map((line) => `${line.marker ? '>' : ' '} ${line.line} | ${line.text}`),
      '```',
      '</details>',
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Prints the annotations and appends the summary to `$GITHUB_STEP_SUMMARY` when it is set. Never
 * throws: a CI job's reporting must not fail the job.
 */
export function reportToGitHub(
  dumps: readonly { dump: HangDump; file: string }[],
  print: (line: string) => void,
): void {
  if (dumps.length === 0) return;
  for (const { dump, file } of dumps) print(annotation(dump, file));
  const summaryFile = process.env.GITHUB_STEP_SUMMARY;
  if (!summaryFile) return;
  try {
    fs.appendFileSync(summaryFile, stepSummary(dumps));
  } catch {
    // No summary then; the annotations are out.
  }
}

/** True inside a GitHub Actions job. */
export function inGitHubActions(): boolean {
  return process.env.GITHUB_ACTIONS === 'true';
}
