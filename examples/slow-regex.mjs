// BLOCKED: a catastrophic regular expression (ReDoS) never gives the event loop back. No test
// runner timeout can fire; hangdump's watchdog thread pauses the thread and names the line.
import { dumpOnHang } from 'hangdump';

const EMAIL = /^([a-zA-Z0-9]+\.?)+@example\.com$/;

const validateEmail = dumpOnHang({ seconds: 1, label: 'validate a long e-mail address' }, (input) => {
  return EMAIL.test(input);
});

validateEmail(`${'a'.repeat(40)}@example.org`);
