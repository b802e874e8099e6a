/**
 * Scenario 9, no secret in any log: what counts as a secret, and the scan every scenario ends with over
 * the logs of all its processes (hosts with their workers' output, the simulator, Azurite).
 *
 * The local host masks credential-shaped text in what it prints; the Functions host in Azure does not.
 * So a masked token or secret in a host log is a leak too: the product tried to log it.
 */
import { AZURITE_ACCOUNT_KEY } from '../../../dev/azurite/account';
import type { ResilienceStack } from './stack';

/** A compact JWT: an access token, an id token, or a signed cookie. */
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/;
/** What dev/host/log/redact.ts leaves where it masked something. */
const MASKED = /\[hidden( token)?\]/;

export interface Finding {
    process: string;
    line: number;
    what: string;
}

/** Every occurrence of a known secret value, a token, or a masked secret in the logs. */
export function findSecrets(logs: Map<string, string[]>, secrets: Map<string, string>): Finding[] {
    const findings: Finding[] = [];
    const needles = [...secrets].flatMap(([name, value]) => {
        if (value.length < 8) return [];
        const encoded = encodeURIComponent(value);
        return encoded === value
            ? [{ name, value }]
            : [
                  { name, value },
                  { name: `${name} (URL-encoded)`, value: encoded },
              ];
    });
    for (const [process, lines] of logs) {
        lines.forEach((text, index) => {
            for (const { name, value } of needles)
                if (text.includes(value)) findings.push({ process, line: index + 1, what: name });
            if (JWT.test(text)) findings.push({ process, line: index + 1, what: 'a token (JWT)' });
            if (MASKED.test(text)) findings.push({ process, line: index + 1, what: 'a secret the local host masked' });
        });
    }
    return findings;
}

/** Reads a Key Vault secret the way the app does: a managed-identity token, then the vault. */
async function vaultSecret(stack: ResilienceStack, name: string): Promise<string> {
    const settings = stack.simStack.appSettings;
    const query = new URLSearchParams({
        'api-version': '2019-08-01',
        resource: 'https://vault.azure.net',
        client_id: settings.AZURE_CLIENT_ID ?? '',
    });
    const token = await fetch(`${settings.IDENTITY_ENDPOINT}?${query.toString()}`, {
        headers: { 'X-IDENTITY-HEADER': settings.IDENTITY_HEADER ?? '' },
    });
    const { access_token: accessToken } = (await token.json()) as { access_token: string };
    const secret = await fetch(`${settings.KEY_VAULT_URL}/secrets/${name}/?api-version=2025-07-01`, {
        headers: { authorization: `Bearer ${accessToken}` },
    });
    if (secret.status !== 200) throw new Error(`could not read ${name} from the vault: ${secret.status}`);
    return ((await secret.json()) as { value: string }).value;
}

/**
 * The secrets of this stack: our app's client secret and the session signing key (from the vault), the
 * operations client's secret, the managed identity header, the storage key, and whatever the scenario
 * collected on the way (tokens it used, cookies and codes it saw). Call before the simulator stops.
 */
export async function stackSecrets(stack: ResilienceStack): Promise<Map<string, string>> {
    const secrets = new Map<string, string>([
        ['client secret', await vaultSecret(stack, 'graph-client-secret')],
        ['session signing key', await vaultSecret(stack, 'session-signing-key')],
        ['operations client secret', stack.simStack.operationsClient.clientSecret],
        ['managed identity header', stack.simStack.appSettings.IDENTITY_HEADER ?? ''],
        ['storage account key', AZURITE_ACCOUNT_KEY],
    ]);
    for (const [name, value] of stack.secrets) secrets.set(name, value);
    return secrets;
}

/**
 * The last test of every scenario: stops every process of the stack (so every log is complete) and
 * scans all their output for secrets.
 */
export function itLeavesNoSecretInLogs(getStack: () => ResilienceStack): void {
    it('leaves no client secret, session key, token, authorization code or cookie value in any process log', async () => {
        const stack = getStack();
        const secrets = await stackSecrets(stack);
        await stack.stop();
        const logs = stack.logs.all();
        const lines = [...logs.values()].reduce((sum, l) => sum + l.length, 0);
        expect(lines).toBeGreaterThan(0);
        const findings = findSecrets(logs, secrets);
        expect(findings.slice(0, 20)).toEqual([]);
        console.log(
            `no secret in any log: ${secrets.size} secrets and every token shape looked for in ${lines} lines of ` +
                `${logs.size} processes (${[...logs.keys()].join(', ')}); logs in ${stack.logs.dir}`,
        );
    }, 120_000);
}
