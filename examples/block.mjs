// The block form, without `using`: arm, do the work, disarm in `finally`.
import { armHangDump } from 'hangdump';

const guard = armHangDump({ seconds: 10, label: 'start-up', path: '.hangdump/startup.hang.txt' });
try {
  await new Promise((resolve) => setTimeout(resolve, 50)); // connect, migrate, warm caches...
  console.log('started; guard disarmed, no dump written');
} finally {
  guard.disarm();
}
