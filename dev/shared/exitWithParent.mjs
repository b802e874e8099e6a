// Preloaded into every child the dev tools start (`node --import exitWithParent.mjs ...`). The parent
// holds the other end of our stdin pipe; when the parent is gone, however it died (even SIGKILL), the
// pipe closes and we stop too, so no Azurite, simulator or host is ever left running on its own.
import process from 'node:process';
import { isMainThread } from 'node:worker_threads';

// Preloads can also run in module-loader threads; only the main thread has the real stdin.
if (isMainThread && !process.stdin.isTTY) {
    process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
    process.stdin.on('error', () => process.kill(process.pid, 'SIGTERM'));
    process.stdin.resume();
    // Watching stdin must not keep an otherwise finished process alive.
    process.stdin.unref();
}
