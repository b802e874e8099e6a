import type { TokenCredential } from '@azure/core-auth';
import { SecretClient } from '@azure/keyvault-secrets';

import { OperatorActionError, TransientError } from '../errors';
import { restStatus } from '../storage';

/** Secrets from Key Vault, read once and kept in memory; `refresh` reads a secret again after a rotation. */
export interface SecretProvider {
    get(name: string): Promise<string>;
    /** Reads the current version again (the identity platform said the cached one is invalid or expired). */
    refresh(name: string): Promise<string>;
}

function isLoopbackHost(url: string): boolean {
    const host = new URL(url).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

export function createKeyVaultSecrets(vaultUrl: string, credential: TokenCredential): SecretProvider {
    const client = new SecretClient(vaultUrl, credential, {
        // The local simulator's challenge names https://vault.azure.net, which a loopback host cannot match;
        // real vaults keep the check (it stops a token for Key Vault from going to another host).
        disableChallengeResourceVerification: isLoopbackHost(vaultUrl),
    });
    const cache = new Map<string, Promise<string>>();

    const read = (name: string): Promise<string> => {
        const pending = (async () => {
            try {
                const secret = await client.getSecret(name);
                if (secret.value === undefined || secret.value === '')
                    throw new OperatorActionError('secret_unavailable', `Key Vault secret "${name}" has no value`);
                return secret.value;
            } catch (error) {
                if (error instanceof OperatorActionError) throw error;
                const status = restStatus(error);
                if (status === 401 || status === 403 || status === 404)
                    throw new OperatorActionError(
                        'secret_unavailable',
                        `Key Vault refused secret "${name}" (HTTP ${status}): check that it exists, is enabled and that the app's identity has the Key Vault Secrets User role`,
                        { cause: error },
                    );
                throw new TransientError('storage_unavailable', `Key Vault could not be reached for secret "${name}"`, {
                    cause: error,
                });
            }
        })();
        cache.set(name, pending);
        // A failed read is not cached: the next caller tries again.
        pending.catch(() => {
            if (cache.get(name) === pending) cache.delete(name);
        });
        return pending;
    };

    return {
        get: (name) => cache.get(name) ?? read(name),
        refresh: (name) => read(name),
    };
}
