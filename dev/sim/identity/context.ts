import type { SimClock } from '../core/clock';
import type { DirectoryView } from '../core/contracts';
import type { InteractionStore } from './sessions';
import type { IdentityState } from './state';
import type { TokenIssuer } from './tokens';

/** Everything the login service's handlers share. */
export interface LoginContext {
    directory: DirectoryView;
    state: IdentityState;
    store: InteractionStore;
    tokens: TokenIssuer;
    clock: SimClock;
    origins: { login: string; graph: string };
}
