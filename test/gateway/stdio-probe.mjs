// Preloaded (node --import) into a stdio MCP server under test: appends the process id to
// $PROBE_DIR/pids when it starts, and to $PROBE_DIR/calls each time a tools/call arrives on stdin,
// so a test knows which child to kill and when the call has reached it. It changes nothing else.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.PROBE_DIR;
if (dir) {
  appendFileSync(join(dir, 'pids'), `${process.pid}\n`);
  const emit = process.stdin.emit;
  process.stdin.emit = function (event, ...args) {
    if (event === 'data' && String(args[0]).includes('"tools/call"')) {
      appendFileSync(join(dir, 'calls'), `${process.pid}\n`);
    }
    return emit.call(this, event, ...args);
  };
}
