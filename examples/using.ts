// The block form with `using` (TypeScript 5.2+, or Node with explicit resource management): the guard
// is disarmed when the block ends, however it ends.
import { armHangDump } from 'hangdump';

export async function startServer(listen: () => Promise<void>): Promise<void> {
  using guard = armHangDump({ seconds: 20, label: 'server start-up' });
  await listen();
  if (guard.dump) console.warn(`start-up was slow: ${guard.dump.file}`);
}
