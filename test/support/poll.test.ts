/**
 * waitFor and TestProcess.waitForLine against real child processes. Where a wait must stop because its
 * child exited, the wait's own timeout is set beyond jest's test timeout: running into it would
 * fail the test by itself.
 */
import { ManagedChild } from '../../dev/shared/childProcess';
import { waitFor } from './poll';
import { TestProcess } from './processes';

const BEYOND_THE_TEST_TIMEOUT = 60_000; // twice jest's testTimeout (jest.config.js)

function nodeChild(script: string): { child: ManagedChild; lines: string[] } {
    const lines: string[] = [];
    const child = new ManagedChild({ name: 'child', nodeArgs: ['-e', script], onLine: (line) => lines.push(line) });
    return { child, lines };
}

describe('waitFor', () => {
    it('returns the first value the probe gives that is not undefined', async () => {
        let calls = 0;
        await expect(
            waitFor('the third call', () => (++calls === 3 ? 'three' : undefined), { intervalMs: 1 }),
        ).resolves.toBe('three');
        expect(calls).toBe(3);
    });

    it('times out naming what it waited for and the last error the probe threw', async () => {
        const waiting = waitFor(
            'a condition that never holds',
            () => {
                throw new Error('not yet');
            },
            { timeoutMs: 100, intervalMs: 10 },
        );
        await expect(waiting).rejects.toThrow(
            'Timed out waiting for a condition that never holds (last error: not yet)',
        );
    });

    it('stops as soon as the child it waits on has exited, naming the child and its exit', async () => {
        const { child } = nodeChild('setTimeout(() => process.exit(3), 200)');
        const waiting = waitFor('a line that never comes', () => undefined, {
            timeoutMs: BEYOND_THE_TEST_TIMEOUT,
            whileRunning: child,
        });
        await expect(waiting).rejects.toThrow('child exited (exit code 3) while waiting for a line that never comes');
    });

    it('still sees what the child did just before it exited', async () => {
        const { child, lines } = nodeChild('console.log("done")');
        await child.exited;
        const line = await waitFor('the line "done"', () => lines.find((l) => l === 'done'), {
            timeoutMs: BEYOND_THE_TEST_TIMEOUT,
            whileRunning: child,
        });
        expect(line).toBe('done');
    });
});

describe('TestProcess.waitForLine', () => {
    const script = 'test/fixtures/processes/printThenExit.mjs';

    it('fails at once when the process exits without printing the line, with its last output', async () => {
        const child = new TestProcess('quitter', script, ['starting', 'giving up', '2']);
        await expect(child.waitForLine(/^READY$/, BEYOND_THE_TEST_TIMEOUT)).rejects.toThrow(
            /^quitter exited \(exit code 2\) while waiting for a line matching \/\^READY\$\/ from quitter\n--- last output ---\nstarting\ngiving up/,
        );
    });

    it('finds a line printed by a process that has exited since', async () => {
        const child = new TestProcess('finisher', script, ['READY 42', '0']);
        await child.child.exited;
        const [, value] = await child.waitForLine(/^READY (\d+)$/, BEYOND_THE_TEST_TIMEOUT);
        expect(value).toBe('42');
    });
});
