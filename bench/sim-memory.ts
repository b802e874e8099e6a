/**
 * Memory of a lazily generated 100,000-user tenant in the simulator's directory (not a test).
 *
 *   node --expose-gc --import tsx bench/sim-memory.ts [userCount] [--json <file>]
 *
 * Reports heap and RSS after creating the tenant, after generating (walking) every user, and after
 * 1,000 changes through the directory API (the only users it stores).
 */
import { SimClock } from '../dev/sim/core/clock';
import { IdFactory } from '../dev/sim/core/ids';
import { Directory } from '../dev/sim/directory';
import { type Figure, publish } from './support/report';

const userCount = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 100_000);
const gc = (globalThis as { gc?: () => void }).gc;

function measure(): { heapMB: number; rssMB: number } {
    gc?.();
    gc?.();
    const usage = process.memoryUsage();
    return { heapMB: usage.heapUsed / 2 ** 20, rssMB: usage.rss / 2 ** 20 };
}

const figures: Figure[] = [];

function report(label: string, now: { heapMB: number; rssMB: number }, base: { heapMB: number; rssMB: number }): void {
    const round = (n: number) => Math.round(n * 10) / 10;
    if (label !== 'baseline')
        figures.push(
            { name: `${label}: heap growth`, value: round(now.heapMB - base.heapMB), unit: 'MB' },
            { name: `${label}: RSS growth`, value: round(now.rssMB - base.rssMB), unit: 'MB' },
        );
    const delta = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(2)}`;
    console.log(
        `${label.padEnd(42)} heap ${now.heapMB.toFixed(1)} MB (${delta(now.heapMB - base.heapMB)})  rss ${now.rssMB.toFixed(1)} MB (${delta(now.rssMB - base.rssMB)})`,
    );
}

if (!gc) console.log('(run with node --expose-gc for stable numbers)');
const ids = new IdFactory('bench');
const directory = new Directory(ids, new SimClock(), 'bench');
const base = measure();
report('baseline', base, base);

const tenant = directory.createTenant({ displayName: 'Bench Corp', userCount });
report(`tenant with ${userCount} users created`, measure(), base);

const started = performance.now();
let walked = 0;
for (let position = 0; position !== undefined && position < tenant.positionCount;) {
    const page = tenant.walk(position, 999, () => true);
    walked += page.entries.length;
    if (page.next === undefined) break;
    position = page.next;
}
const seconds = (performance.now() - started) / 1000;
report(`all ${walked} users generated (999 per page)`, measure(), base);
console.log(`  generation: ${(walked / seconds).toFixed(0)} users/s, ${((seconds * 1e6) / walked).toFixed(1)} µs/user`);

for (let i = 0; i < 1000; i++) {
    const id = tenant.codec.idFor((i * 97) % tenant.positionCount);
    tenant.updateUser(id, { jobTitle: `Changed ${i}` });
}
report('after 1,000 changed users (overlay)', measure(), base);
console.log(`  stored users: ${tenant.overlaySize}, change log entries: ${tenant.changes.size}`);
figures.push({ name: 'generation speed', value: Math.round(walked / seconds), unit: 'users/s' });
publish({
    bench: 'sim-memory',
    figures,
    notes: [
        `${userCount} users; growth over a baseline of ${base.heapMB.toFixed(1)} MB heap / ${base.rssMB.toFixed(1)} MB RSS${gc ? '' : ' (without --expose-gc: unstable)'}`,
    ],
});
