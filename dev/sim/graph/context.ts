import type { SimClock } from '../core/clock';
import type { Directory } from '../directory';
import type { StateTokens } from './stateTokens';
import type { ResourceUnitLimiter, ThrottlingSettings } from './throttling';

export interface LatencySettings {
    /** Added to every page of users (list and delta). */
    fixedMs: number;
    /** Added per user on a page. */
    perUserMs: number;
}

export interface DeltaSettings {
    /** Users per delta page (Graph decides the page size for delta; `Prefer: odata.maxpagesize` may lower it). */
    pageSize: number;
    /** Age after which a delta or skip token is refused with syncStateNotFound. */
    tokenLifetimeDays: number;
}

export interface GraphSettings {
    throttling: ThrottlingSettings;
    latency: LatencySettings;
    delta: DeltaSettings;
}

/** Everything a Graph handler needs. */
export interface GraphContext {
    origin: string;
    clock: SimClock;
    directory: Directory;
    stateTokens: StateTokens;
    limiter: ResourceUnitLimiter;
    settings: GraphSettings;
}

/** What a handler produces; the dispatcher adds the common headers, throttling headers and latency. */
export interface GraphResult {
    body: unknown;
    headers?: Record<string, string>;
    /** Users on the page, for the per-user latency. */
    pageUsers?: number;
}
