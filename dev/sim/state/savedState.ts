/**
 * The simulator's mutable state as one JSON document: what a restart needs to find the world as it was
 * (service principals and grants, directory changes, secret versions and signing keys, settings, the clock
 * and the id counters). Everything else is rebuilt from the seed. Browser sessions, authorization codes,
 * refresh tokens, fault rules, the request log and throttling history are not kept.
 */
import { z } from 'zod';

import type { SimClock } from '../core/clock';
import type { IdFactory } from '../core/ids';
import type { Directory, TenantSnapshot, WorldSpec } from '../directory';
import { type GraphService, type GraphSettings, type GraphSettingsInput, resolveGraphSettings } from '../graph';
import type { IdentityModule, IdentitySnapshot } from '../identity';

export const SAVED_STATE_FORMAT = 1;

export interface SavedState {
    format: typeof SAVED_STATE_FORMAT;
    seed: string;
    /** The world spec it was seeded from, as JSON: state only fits the world it was made in. */
    world: string;
    savedAt: string;
    clockOffsetMs: number;
    ids: Record<string, number>;
    directory: { tenants: TenantSnapshot[] };
    identity: IdentitySnapshot;
    graph: { settings: GraphSettings };
}

/** Checked on load: the envelope and the parts' presence. The parts themselves are our own output. */
const envelope = z.looseObject({
    format: z.literal(SAVED_STATE_FORMAT),
    seed: z.string(),
    world: z.string(),
    savedAt: z.string(),
    clockOffsetMs: z.number(),
    ids: z.record(z.string(), z.number()),
    directory: z.looseObject({ tenants: z.array(z.unknown()) }),
    identity: z.looseObject({ state: z.unknown(), keys: z.unknown(), vault: z.unknown() }),
    graph: z.looseObject({ settings: z.unknown() }),
});

export interface StateParts {
    seed: string;
    world: WorldSpec;
    clock: SimClock;
    ids: IdFactory;
    directory: Directory;
    identity: IdentityModule;
    graph: GraphService;
}

export async function captureState(parts: StateParts): Promise<SavedState> {
    return {
        format: SAVED_STATE_FORMAT,
        seed: parts.seed,
        world: JSON.stringify(parts.world),
        savedAt: new Date(parts.clock.now()).toISOString(),
        clockOffsetMs: parts.clock.offset,
        ids: parts.ids.counters(),
        directory: parts.directory.snapshot(),
        identity: await parts.identity.snapshot(),
        graph: { settings: structuredClone(parts.graph.settings) },
    };
}

/**
 * Validates a parsed state file against this simulator: a message saying what does not fit, or the state.
 */
export function checkSavedState(value: unknown, seed: string, world: WorldSpec): SavedState | string {
    const parsed = envelope.safeParse(value);
    if (!parsed.success)
        return `it is not a state file of this simulator version (${parsed.error.issues
            .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
            .join('; ')})`;
    if (parsed.data.seed !== seed)
        return `it was saved by a simulator seeded with "${parsed.data.seed}", not "${seed}"`;
    if (parsed.data.world !== JSON.stringify(world)) return 'it was saved for another seeded world (tenants and sizes)';
    return parsed.data as unknown as SavedState;
}

/**
 * Puts saved state back into freshly seeded parts. Graph settings given at start (`explicit`, e.g. the
 * CLI's latency flags) win over saved ones.
 */
export function applyState(
    parts: Omit<StateParts, 'seed' | 'world'>,
    saved: SavedState,
    explicit?: GraphSettingsInput,
): void {
    parts.clock.restoreOffset(saved.clockOffsetMs);
    parts.ids.restoreCounters(saved.ids);
    parts.directory.restore(saved.directory);
    parts.identity.restore(saved.identity);
    // The Graph service and its limiter hold these objects: change them in place.
    // Saved values over today's defaults (a setting added since the save keeps its default), then the explicit ones.
    const settings = resolveGraphSettings(explicit ?? {}, resolveGraphSettings(saved.graph.settings));
    Object.assign(parts.graph.settings.throttling, settings.throttling);
    Object.assign(parts.graph.settings.latency, settings.latency);
    Object.assign(parts.graph.settings.delta, settings.delta);
}
