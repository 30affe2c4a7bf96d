import { ParConfigurationError } from '../common/configuration-error.js';
import { type Client, type ClientMetadata, normalizeClient } from './client.js';

/**
 * Where ParModule looks clients up. Pass an implementation as the `clients` option to keep clients in
 * your own store (a TypeORM table, a config service...); a static array is wrapped in a
 * {@link StaticClientRegistry}.
 */
export interface ClientRegistry {
  /** The client's RFC 7591 metadata, or undefined when there is no such client. */
  findClient(clientId: string): Promise<ClientMetadata | undefined> | ClientMetadata | undefined;
}

/** Marks a registry whose clients are already validated {@link Client}s (the static list). */
export interface NormalizedClientRegistry extends ClientRegistry {
  findNormalized(clientId: string): Client | undefined;
}

/**
 * A fixed list of clients, validated once at boot. Secrets are hashed and the plain values dropped.
 */
export class StaticClientRegistry implements NormalizedClientRegistry {
  private readonly clients = new Map<string, Client>();

  constructor(clients: readonly ClientMetadata[], option = 'clients') {
    if (!Array.isArray(clients)) throw new ParConfigurationError(option, 'must be an array of client metadata or a ClientRegistry');
    clients.forEach((metadata, i) => {
      const client = normalizeClient(metadata, `${option}[${i}]`);
      if (this.clients.has(client.id)) {
        throw new ParConfigurationError(`${option}[${i}].client_id`, `duplicates client "${client.id}"`);
      }
      this.clients.set(client.id, client);
    });
  }

  findNormalized(clientId: string): Client | undefined {
    return this.clients.get(clientId);
  }

  /** Not offered: the static registry keeps no secrets, so it cannot hand metadata back. */
  findClient(): undefined {
    return undefined;
  }
}

/** True for registries that hand out validated clients directly. */
export function isNormalizedRegistry(registry: ClientRegistry): registry is NormalizedClientRegistry {
  return typeof (registry as Partial<NormalizedClientRegistry>).findNormalized === 'function';
}
