import { randomBytes } from 'node:crypto';

import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';

import { type AccessTokenValidator, createAccessTokenValidator } from '../api/accessTokens';
import { type Auth, createAuth } from '../auth';
import type { AppConfig } from '../config';
import { createGraphClient, createThrottleGate, type GraphClient } from '../graph';
import { type AppClient, type AppTokenProvider, createAppClient, createAppTokenProvider } from '../identity';
import { consoleLogger, type Logger } from '../logging';
import { createOnboarding, type Onboarding } from '../onboarding';
import { createKeyVaultSecrets, type SecretProvider } from '../secrets';
import { createStorageClients, type StorageClients, SYNC_QUEUE, TableName } from '../storage';
import { fanOut, type FanOutResult } from '../sync/fanOut';
import { createOffboarding, type Offboarding } from '../sync/offboarding';
import { createQueuedMarkers, type QueuedMarkers } from '../sync/queuedMarkers';
import { createRunsStore, type RunsStore } from '../sync/runsStore';
import { createSyncQueue, type SyncQueue } from '../sync/syncQueue';
import { createSyncRequests, type SyncRequests } from '../sync/syncRequests';
import { createUsersStore, type UsersStore } from '../sync/usersStore';
import { createSyncWorker, type SyncWorker } from '../sync/syncWorker';
import type { LeaseOptions } from '../sync/tenantLease';
import { createTenantRegistry, type TenantRegistry } from '../tenants';
import { createTenantPages, type TenantPages } from '../web/tenantPages';
import { type Clock, systemClock } from './clock';

/** Everything the functions use, built once per process from the validated configuration. */
export interface Services {
    config: AppConfig;
    clock: Clock;
    /** Random hex of `bytes` bytes (ids, run ids); replaceable in tests. */
    randomHex: (bytes: number) => string;
    /** For messages outside any invocation (MSAL's own warnings). */
    processLogger: Logger;
    storage: StorageClients;
    secrets: SecretProvider;
    /** The one MSAL confidential client (sign-in and app-only tokens). */
    appClient: AppClient;
    appTokens: AppTokenProvider;
    graph: GraphClient;
    tenants: TenantRegistry;
    users: UsersStore;
    runs: RunsStore;
    syncQueue: SyncQueue;
    syncRequests: SyncRequests;
    offboarding: Offboarding;
    markers: QueuedMarkers;
    /** The queue worker: one delivery of a `tenant-sync` message. */
    syncWorker: SyncWorker;
    /** Enqueues a sync for every tenant that is due (the timer and `POST /api/sync`). */
    fanOut(correlationId: string, logger: Logger): Promise<FanOutResult>;
    /** Validates the operations API's Bearer tokens. */
    accessTokens: AccessTokenValidator;
    /** Sign-in, sessions and CSRF tokens for the pages. */
    auth: Auth;
    /** Admin consent: the connect flow and its callback. */
    onboarding: Onboarding;
    /** The tenant's own pages (status, users, sync now, disconnect), with their access checks. */
    tenantPages: TenantPages;
}

export interface ServiceOverrides {
    clock?: Clock;
    /** The Azure credential for Key Vault (and identity-based storage). Default: the app's managed identity. */
    credential?: TokenCredential;
    processLogger?: Logger;
    randomHex?: (bytes: number) => string;
    /** A number in [0, 1) for the fan-out's jitter. */
    random?: () => number;
    /** The worker's tenant lease (tests shorten it). */
    lease?: LeaseOptions;
    /** How many removed users a delta round deletes by id from one read (tests lower it). */
    markedIdsKept?: number;
}

/** The composition root: the only place services are created and wired. */
export function buildServices(config: AppConfig, overrides: ServiceOverrides = {}): Services {
    const clock = overrides.clock ?? systemClock;
    const processLogger = overrides.processLogger ?? consoleLogger('process');
    let credential: TokenCredential | undefined = overrides.credential;
    // In Azure the platform provides the user-assigned identity named by AZURE_CLIENT_ID; elsewhere
    // DefaultAzureCredential finds a developer's Azure CLI login.
    const azureCredential = (): TokenCredential =>
        (credential ??=
            config.managedIdentityClientId === undefined
                ? new DefaultAzureCredential()
                : new ManagedIdentityCredential({ clientId: config.managedIdentityClientId }));

    const storage = createStorageClients(config.storage, azureCredential);
    const secrets = createKeyVaultSecrets(config.keyVault.url, {
        getToken: (scopes, options) => azureCredential().getToken(scopes, options),
    });
    const appClient = createAppClient(
        {
            clientId: config.app.clientId,
            authorityHost: config.authorityHost,
            clientSecretName: config.keyVault.clientSecretName,
        },
        secrets,
        processLogger,
    );
    const appTokens = createAppTokenProvider(appClient);
    const graph = createGraphClient(
        { baseUrl: config.graphBaseUrl, maxInlineWaitMs: config.sync.maxInlineWaitSeconds * 1000 },
        appTokens,
        createThrottleGate(),
        clock,
    );
    const randomHex = overrides.randomHex ?? ((bytes: number) => randomBytes(bytes).toString('hex'));
    const tenants = createTenantRegistry(storage.table(TableName.tenants), clock);
    const users = createUsersStore(storage.table(TableName.users));
    const runs = createRunsStore(storage.table(TableName.runs));
    const syncRequests = createSyncRequests(tenants, runs, clock, randomHex);
    const offboarding = createOffboarding(tenants, users, runs, () => clock.now());
    const auth = createAuth(config, { secrets, appClient, clock });
    const markers = createQueuedMarkers(storage.table(TableName.tenants));
    const syncQueue = createSyncQueue(storage.queue(SYNC_QUEUE));
    const syncWorker = createSyncWorker({
        tenants,
        users,
        runs,
        graph,
        queue: syncQueue,
        markers,
        clock,
        sync: config.sync,
        ...(overrides.lease === undefined ? {} : { lease: overrides.lease }),
        ...(overrides.markedIdsKept === undefined ? {} : { markedIdsKept: overrides.markedIdsKept }),
    });
    const random = overrides.random ?? Math.random;
    return {
        config,
        clock,
        randomHex,
        processLogger,
        storage,
        secrets,
        appClient,
        appTokens,
        graph,
        tenants,
        users,
        runs,
        syncQueue,
        syncRequests,
        offboarding,
        markers,
        syncWorker,
        accessTokens: createAccessTokenValidator({
            authorityHost: config.authorityHost,
            tenantId: config.app.tenantId,
            audiences: [config.app.apiAudience, config.app.clientId],
        }),
        fanOut: (correlationId, logger) =>
            fanOut(
                { tenants, markers, queue: syncQueue, clock, sync: config.sync, random, randomHex },
                correlationId,
                logger,
            ),
        auth,
        onboarding: createOnboarding(config, {
            authStates: storage.table(TableName.authStates),
            tokens: auth.tokens,
            appTokens,
            graph,
            tenants,
            syncRequests,
            clock,
        }),
        tenantPages: createTenantPages({ tenants, users, runs, syncRequests, offboarding, clock }),
    };
}
