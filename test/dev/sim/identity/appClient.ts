/** Our app as the product configures msal-node against the simulator: organizations authority, known host. */
import { ConfidentialClientApplication } from '@azure/msal-node';

import type { IdentityWorld } from '../../../conformance/identity/support';

export function appClient(world: IdentityWorld, clientSecret = world.appSecret): ConfidentialClientApplication {
    return new ConfidentialClientApplication({
        auth: {
            clientId: world.appClientId,
            clientSecret,
            authority: `${world.login}/organizations`,
            knownAuthorities: [world.loginHost],
        },
    });
}
