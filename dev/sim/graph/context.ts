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

/**
 * Delta behaviour, including what Microsoft Graph's delta documentation warns clients about ("Use delta query
 * to track changes in Microsoft Graph data": @removed in the initial response, Processing delays, Replays).
 * All off by default.
 */
export interface DeltaSettings {
    /** Users per delta page (Graph decides the page size for delta; `Prefer: odata.maxpagesize` may lower it). */
    pageSize: number;
    /** Age after which a delta or skip token is refused with syncStateNotFound. */
    tokenLifetimeDays: number;
    /** The initial round also lists users in deleted items, as `{"id","@removed":{"reason":"changed"}}`. */
    removedInInitialRound: boolean;
    /** Replays: the last N changes of a round that delivered new changes are delivered again in the next round. */
    replayChanges: number;
    /** Processing delays: a round leaves out changes younger than this (simulator clock); a later round has them. */
    replicationDelayMs: number;
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
