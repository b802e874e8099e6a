import type { TableClient } from '@azure/data-tables';

import type { Clock } from '../app/clock';
import type { OperatorActionError } from '../errors';
import { type Session, type SignedTokens, singleParameter } from '../auth';
import type { AppConfig } from '../config';
import type { GraphClient } from '../graph';
import type { AppTokenProvider } from '../identity';
import type { Logger } from '../logging';
import type { SyncMessage } from '../sync/syncMessage';
import type { SyncRequests } from '../sync/syncRequests';
import {
    canMove,
    changeStatus,
    type ConnectedBy,
    newTenantRecord,
    type TenantRecord,
    type TenantRegistry,
    TenantStatus,
} from '../tenants';
import { CONSENT_PROOF_BUDGET_MS, type ConsentProof, createConsentProver } from './consentProof';
import { createConsentStates, type StateProblem } from './consentStates';

/** All the application permissions our app registration requires, for the tenant as a whole. */
const CONSENT_SCOPE = 'https://graph.microsoft.com/.default';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type ConsentOutcome =
    /** `state` missing, forged, expired, replayed or from another session: nothing stored. */
    | { kind: 'badState'; problem: StateProblem }
    /** A genuine callback whose other parameters make no sense (no `tenant`, a `tenant` that is not a GUID). */
    | { kind: 'badRequest'; detail: string }
    /** The identity platform reported an error (cancelled, not an admin, another organization's account…). */
    | {
          kind: 'refused';
          error: string;
          errorSubcode: string | undefined;
          description: string | undefined;
          /** The AADSTS code in the description, e.g. "AADSTS65004". */
          aadsts: string | undefined;
      }
    /** Consent was granted for another organization than the signed-in admin's: nothing stored. */
    | {
          kind: 'otherTenant';
          consentedTenantId: string;
          sessionTenantId: string;
          /** Display names of either organization that is in the registry. */
          names: Record<string, string>;
      }
    /** Recorded; `syncMessage` is the first sync to put on the queue. */
    | { kind: 'connected'; tenant: TenantRecord; proof: ConsentProof; syncMessage: SyncMessage | undefined };

export type OperatorConnectOutcome =
    /** Consent proven: recorded active, and `syncMessage` is its first sync. */
    | { kind: 'connected'; tenant: TenantRecord; created: boolean; syncMessage: SyncMessage }
    /** No proof that the tenant's admin consented (nothing stored): `reason` names the last answer. */
    | { kind: 'notProven'; reason: string }
    /** Our own side is broken (the client secret): nothing stored. */
    | { kind: 'operatorError'; error: OperatorActionError };

export interface Onboarding {
    /** The admin-consent URL for the signed-in user's own organization, with a fresh single-use state. */
    consentUrl(session: Session): Promise<string>;
    /** Handles the identity platform's redirect to `/connect/callback`. */
    completeConsent(
        query: URLSearchParams,
        session: Session | undefined,
        context: { logger: Logger; correlationId: string },
    ): Promise<ConsentOutcome>;
    /**
     * Connects a tenant whose admin consented some other way (an admin-consent link sent to them):
     * for operators, through the operations API. The consent is proven exactly as after the
     * callback; without proof nothing is stored.
     */
    connectByOperator(
        tenantId: string,
        operator: ConnectedBy,
        context: { logger: Logger; correlationId: string },
    ): Promise<OperatorConnectOutcome>;
}

/** The status a proven, unproven or operator-blocked consent moves the tenant to (when the move is allowed). */
function statusAfter(current: TenantRecord, proof: ConsentProof): TenantStatus {
    const wanted: TenantStatus[] =
        'operatorError' in proof
            ? [TenantStatus.error, TenantStatus.pending]
            : proof.proven
              ? [TenantStatus.active]
              : // An active tenant whose re-consent is still being applied keeps syncing as before.
                [TenantStatus.pending, TenantStatus.active];
    return wanted.find((status) => canMove(current.status, status)) ?? current.status;
}

export interface OnboardingDeps {
    /** The `AuthStates` table (single-use consent states). */
    authStates: TableClient;
    /** Signs the consent `state` with the session key. */
    tokens: SignedTokens;
    appTokens: AppTokenProvider;
    graph: GraphClient;
    tenants: TenantRegistry;
    syncRequests: SyncRequests;
    clock: Clock;
}

export function createOnboarding(
    config: AppConfig,
    deps: OnboardingDeps,
    options: { proofBudgetMs?: number } = {},
): Onboarding {
    const { tenants, syncRequests, clock } = deps;
    const states = createConsentStates(deps.authStates, deps.tokens, clock);
    const prover = createConsentProver(deps, options.proofBudgetMs ?? CONSENT_PROOF_BUDGET_MS);
    const redirectUri = `${config.publicBaseUrl}/connect/callback`;

    const record = async (tenantId: string, by: ConnectedBy, proof: ConsentProof): Promise<TenantRecord> => {
        const now = new Date(clock.now());
        const stored = await tenants.upsert(
            tenantId,
            () => newTenantRecord(tenantId, proof.proven ? proof.displayName : tenantId, TenantStatus.pending, now),
            (current) => {
                const fresh = current.connectedAt === undefined || current.status === TenantStatus.disconnected;
                const status = statusAfter(current, proof);
                const operatorError = 'operatorError' in proof ? proof.operatorError : undefined;
                return {
                    ...current,
                    ...changeStatus(
                        current,
                        status === TenantStatus.error
                            ? { status, statusCode: operatorError?.code, statusDetail: operatorError?.message }
                            : { status },
                        now,
                    ),
                    displayName: proof.proven ? proof.displayName : current.displayName,
                    consentedAt: now.toISOString(),
                    connectedAt: fresh ? now.toISOString() : current.connectedAt,
                    connectedBy: fresh ? by : current.connectedBy,
                };
            },
        );
        return stored.record;
    };

    return {
        async consentUrl(session) {
            const state = await states.issue(session);
            const url = new URL(`${config.authorityHost}/${session.tid}/v2.0/adminconsent`);
            url.searchParams.set('client_id', config.app.clientId);
            url.searchParams.set('scope', CONSENT_SCOPE);
            url.searchParams.set('redirect_uri', redirectUri);
            url.searchParams.set('state', state);
            return url.href;
        },

        async completeConsent(query, session, { logger, correlationId }) {
            const check = await states.consume(singleParameter(query, 'state'), session);
            if (!check.ok) {
                logger.warn('consent callback refused', { problem: check.problem });
                return { kind: 'badState', problem: check.problem };
            }
            // consume() succeeds only with a session.
            if (session === undefined) return { kind: 'badState', problem: 'no_session' };

            // Any error is a failure, whatever else came with it: the service has sent both
            // consent_required and access_denied for a cancelled consent, with admin_consent=True.
            const error = singleParameter(query, 'error');
            if (error !== undefined || query.has('error')) {
                const description = singleParameter(query, 'error_description');
                const aadsts = /AADSTS\d+/.exec(description ?? '')?.[0];
                logger.warn('admin consent not granted', { idpError: error, aadsts });
                return {
                    kind: 'refused',
                    error: error ?? 'unknown_error',
                    errorSubcode: singleParameter(query, 'error_subcode'),
                    description,
                    aadsts,
                };
            }
            const granted = singleParameter(query, 'admin_consent');
            const tenant = singleParameter(query, 'tenant');
            if (granted?.toLowerCase() !== 'true')
                return { kind: 'badRequest', detail: 'The answer does not say that consent was granted.' };
            if (tenant === undefined || !GUID.test(tenant))
                return { kind: 'badRequest', detail: 'The answer names no valid organization id.' };
            const tenantId = tenant.toLowerCase();
            // The `tenant` parameter is not signed: it only counts when it is the signed-in admin's own.
            if (tenantId !== session.tid) {
                logger.warn('consent granted for another organization than the signed-in one', {
                    consentedTenantId: tenantId,
                    sessionTenantId: session.tid,
                });
                const known = await Promise.all([tenants.get(tenantId), tenants.get(session.tid)]);
                const names = Object.fromEntries(
                    known.flatMap((t) => (t === undefined ? [] : [[t.record.tenantId, t.record.displayName]])),
                );
                return { kind: 'otherTenant', consentedTenantId: tenantId, sessionTenantId: session.tid, names };
            }

            const proof = await prover.prove(tenantId, logger);
            const stored = await record(
                tenantId,
                { oid: session.oid, name: session.name, username: session.username },
                proof,
            );
            let syncMessage: SyncMessage | undefined;
            if (stored.status === TenantStatus.active || stored.status === TenantStatus.pending)
                syncMessage = (await syncRequests.request(tenantId, 'consent', { correlationId })).message;
            logger.info('tenant connected', {
                tenantId,
                status: stored.status,
                proven: proof.proven,
                reason: proof.proven ? undefined : proof.reason,
            });
            return { kind: 'connected', tenant: stored, proof, syncMessage };
        },

        async connectByOperator(tenantId, operator, { logger, correlationId }) {
            const proof = await prover.prove(tenantId, logger);
            if ('operatorError' in proof) return { kind: 'operatorError', error: proof.operatorError };
            if (!proof.proven) return { kind: 'notProven', reason: proof.reason };
            const created = (await tenants.get(tenantId)) === undefined;
            const stored = await record(tenantId, operator, proof);
            const { message } = await syncRequests.request(tenantId, 'consent', { correlationId });
            logger.info('tenant connected by an operator', { tenantId, created, operator: operator.oid });
            return { kind: 'connected', tenant: stored, created, syncMessage: message };
        },
    };
}
