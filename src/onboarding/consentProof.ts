import type { Clock } from '../app/clock';
import { CustomerActionError, ensureError, OperatorActionError, TransientError } from '../errors';
import type { GraphClient } from '../graph';
import type { AppTokenProvider } from '../identity';
import type { Logger } from '../logging';

/** How long the consent callback waits for Microsoft to apply a new consent before it records `pending`. */
export const CONSENT_PROOF_BUDGET_MS = 20_000;
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 4_000;

export type ConsentProof =
    | { proven: true; displayName: string }
    /** Not applied yet (or not provable now); `reason` names the last answer, for the log and the page. */
    | { proven: false; reason: string }
    /** Our side is broken (the client secret): the operator must act, whatever the consent. */
    | { proven: false; reason: string; operatorError: OperatorActionError };

interface Organization {
    value?: { id?: string; displayName?: string }[];
}

/**
 * Proves that a new admin consent took effect: an app-only token acquired with a forced refresh
 * (one cached before the consent would lack the roles) that carries roles, then
 * `GET /v1.0/organization` (the display name) and `GET /v1.0/users?$top=1&$select=id`.
 */
export interface ConsentProver {
    prove(tenantId: string, logger: Logger): Promise<ConsentProof>;
}

type Attempt = { done: true; proof: ConsentProof } | { done: false; reason: string };

export function createConsentProver(
    deps: { appTokens: AppTokenProvider; graph: GraphClient; clock: Clock },
    budgetMs = CONSENT_PROOF_BUDGET_MS,
): ConsentProver {
    const { appTokens, graph, clock } = deps;

    const attempt = async (tenantId: string, logger: Logger): Promise<Attempt> => {
        try {
            const token = await appTokens.graphToken(tenantId, { forceRefresh: true });
            if (token.roles.length === 0) return { done: false, reason: 'token_without_roles' };
            const tenantGraph = graph.forTenant(tenantId);
            const organization = await tenantGraph.getJson<Organization>('/v1.0/organization?$select=id,displayName', {
                logger,
            });
            await tenantGraph.getJson('/v1.0/users?$top=1&$select=id', { logger });
            const displayName = organization.value?.[0]?.displayName;
            return { done: true, proof: { proven: true, displayName: displayName ?? tenantId } };
        } catch (error) {
            if (error instanceof OperatorActionError)
                return { done: true, proof: { proven: false, reason: error.code, operatorError: error } };
            // AADSTS700016 (no service principal yet), Graph 403 (roles not applied yet), throttling, outages:
            // right after a consent all of these mean "not yet".
            if (error instanceof CustomerActionError || error instanceof TransientError)
                return { done: false, reason: error.remoteCode ?? error.code };
            return { done: false, reason: ensureError(error).name };
        }
    };

    return {
        // A readiness poll written by hand rather than with a retry library: "not yet" is the expected
        // answer for a while, the deadline is the point, and the waits use our Clock so tests control time.
        async prove(tenantId, logger) {
            const deadline = clock.now() + budgetMs;
            let delay = FIRST_DELAY_MS;
            for (let attempts = 1; ; attempts++) {
                const outcome = await attempt(tenantId, logger);
                if (outcome.done) return outcome.proof;
                if (clock.now() + delay > deadline) {
                    logger.warn('consent not applied within the wait; the tenant stays pending', {
                        tenantId,
                        attempts,
                        reason: outcome.reason,
                    });
                    return { proven: false, reason: outcome.reason };
                }
                logger.info('consent not applied yet; trying again', { tenantId, attempts, reason: outcome.reason });
                await clock.sleep(delay);
                delay = Math.min(delay * 2, MAX_DELAY_MS);
            }
        },
    };
}
