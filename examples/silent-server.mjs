// WAITING: the event loop turns, but the request waits for an answer that never comes. The dump lists
// the sockets and the server it waits on.
import http from 'node:http';
import { dumpOnHang } from 'hangdump';

// A server that accepts the request and never answers.
const server = http.createServer(() => {});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

const fetchStatus = dumpOnHang({ seconds: 1, label: 'GET /status' }, async () => {
  const response = await fetch(`http://127.0.0.1:${port}/status`);
  return response.status;
});

const timeout = setTimeout(() => {
  console.error('gave up after 2s, as a test runner would');
  process.exit(1);
}, 2000);
console.log(await fetchStatus());
clearTimeout(timeout);
