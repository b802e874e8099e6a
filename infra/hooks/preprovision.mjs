// azd `preprovision` hook (azure.yaml): stops `azd provision` / `azd up` before anything is deployed
// when the first deployment of an environment would leave Key Vault without the app registration's
// client secret.
//
// infra/modules/keyvault.bicep writes graph-client-secret only when GRAPH_CLIENT_SECRET is non-empty,
// so that later provisions keep a secret rotated with `az keyvault secret set`. The first provision
// must therefore be given the secret; without it the app would be deployed and then fail at its first
// sync. After a successful provision azd records the template's output
// GRAPH_CLIENT_SECRET_IN_VAULT=true in .azure/<environment>/.env, and from then on the value may be
// empty. (main.bicep fails the deployment too, with fail(), for the plain `az deployment` path.)
//
// azd runs hooks with the environment's values as environment variables. Plain Node and no
// dependencies, so it runs before `npm install`, on Windows and POSIX alike. Exit 0: go ahead;
// exit 1: stop, with the reason on stderr.
import process from 'node:process';

const secret = process.env.GRAPH_CLIENT_SECRET ?? '';
const inVault = (process.env.GRAPH_CLIENT_SECRET_IN_VAULT ?? '').trim().toLowerCase() === 'true';

if (secret.trim() === '' && !inVault) {
    process.stderr.write(
        [
            '',
            'GRAPH_CLIENT_SECRET is required on the first provision of this environment, and it is empty.',
            '',
            "The template writes the app registration's client secret to Key Vault only when it is given (so",
            'later provisions never overwrite a rotated secret), and without it the app cannot call Microsoft',
            'Graph and would fail at its first sync. Nothing has been deployed.',
            '',
            'Set it and run the command again:',
            "    azd env set GRAPH_CLIENT_SECRET '<client secret value>'",
            '(App registration > Certificates & secrets > New client secret; copy the Value.)',
            '',
            'After the first successful provision azd records GRAPH_CLIENT_SECRET_IN_VAULT=true, and you can',
            "clear the local copy: azd env set GRAPH_CLIENT_SECRET ''. If this environment's vault already",
            'holds graph-client-secret (for example a recovered vault), run',
            '    azd env set GRAPH_CLIENT_SECRET_IN_VAULT true',
            'instead.',
            '',
        ].join('\n'),
    );
    process.exitCode = 1;
}
