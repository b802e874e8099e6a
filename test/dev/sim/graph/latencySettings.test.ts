/**
 * The simulated Graph page latency (a fixed part per page plus a part per user on it), which the benchmarks
 * and the resilience suite turn on so that paging costs something: settable from `npm run sim` (and
 * `npm start`) flags and the control API, reported by GET /control/graph, kept with the saved state, with
 * flags given at start winning over saved values.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { REPO_ROOT } from '../../../support/processes';
import { startTestSimulator } from '../../../support/simulator';

let dir: string;
beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sim-latency-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Time to fetch one page of `top` users. */
async function pageTime(graph: (path: string) => Promise<Response>, top: number): Promise<number> {
    const began = performance.now();
    const response = await graph(`/v1.0/users?$top=${top}&$select=id`);
    expect((await response.json()).value).toHaveLength(top);
    return performance.now() - began;
}

it('the control API sets it, GET /control/graph reports it, pages take that long, and it outlives a restart', async () => {
    const first = await startTestSimulator({ stateDir: dir });
    try {
        const token = await first.graphToken(first.tenantId('Contoso'));
        const graph = (path: string) => first.graph(path, { token });
        expect((await first.control('GET', '/control/graph')).body.settings.latency).toEqual({
            fixedMs: 0,
            perUserMs: 0,
        });
        const patched = await first.control('PATCH', '/control/graph', { latency: { fixedMs: 150, perUserMs: 5 } });
        expect(patched.body.settings.latency).toEqual({ fixedMs: 150, perUserMs: 5 });
        expect((await first.control('GET', '/control/graph')).body.settings.latency).toEqual({
            fixedMs: 150,
            perUserMs: 5,
        });
        // 150 + 5 × 40 = 350 ms for 40 users; 150 + 5 × 1 = 155 ms for one.
        expect(await pageTime(graph, 40)).toBeGreaterThanOrEqual(345);
        const one = await pageTime(graph, 1);
        expect(one).toBeGreaterThanOrEqual(150);
        expect(one).toBeLessThan(345);
    } finally {
        await first.stop();
    }
    const again = await startTestSimulator({ stateDir: dir });
    try {
        expect((await again.control('GET', '/control/graph')).body.settings.latency).toEqual({
            fixedMs: 150,
            perUserMs: 5,
        });
    } finally {
        await again.stop();
    }
    // Given at start, a value wins over the saved one; the other saved value stays.
    const explicit = await startTestSimulator({ stateDir: dir, graph: { latency: { fixedMs: 0 } } });
    try {
        expect((await explicit.control('GET', '/control/graph')).body.settings.latency).toEqual({
            fixedMs: 0,
            perUserMs: 5,
        });
    } finally {
        await explicit.stop();
    }
});

it('npm run sim takes --page-latency-ms and --per-user-latency-ms', async () => {
    const child: ChildProcess = spawn(
        process.execPath,
        [
            ...['--import', 'tsx', join(REPO_ROOT, 'dev/sim/main.ts')],
            ...['--ports', '0', '--stack-file', join(dir, 'stack.json')],
            ...['--page-latency-ms', '25', '--per-user-latency-ms', '0.25'],
        ],
        { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
        const ready = await new Promise<{ simulator: { controlUrl: string } }>((resolve, reject) => {
            let buffer = '';
            child.stdout?.on('data', (chunk: Buffer) => {
                buffer += chunk.toString('utf8');
                const line = buffer.split('\n').find((l) => l.startsWith('SIMULATOR_READY '));
                if (line) resolve(JSON.parse(line.slice('SIMULATOR_READY '.length)));
            });
            child.on('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
        });
        const graph = await (await fetch(`${ready.simulator.controlUrl}/control/graph`)).json();
        expect(graph.settings.latency).toEqual({ fixedMs: 25, perUserMs: 0.25 });
    } finally {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
    }
});
