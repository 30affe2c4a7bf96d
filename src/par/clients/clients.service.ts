import { Inject, Injectable } from '@nestjs/common';
import { PAR_OPTIONS } from '../par.constants.js';
import type { ResolvedParOptions } from '../par.options.js';
import { type Client, type ClientMetadata, normalizeClient } from './client.js';
import { isNormalizedRegistry } from './client-registry.js';

/** Looks clients up in the configured registry and hands them out validated. */
@Injectable()
export class ClientsService {
  /** A registry that returns the same metadata object twice gets the same Client back, unvalidated again. */
  private readonly normalized = new WeakMap<ClientMetadata, Client>();

  constructor(@Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions) {}

  async find(clientId: string): Promise<Client | undefined> {
    const registry = this.options.clients;
    if (isNormalizedRegistry(registry)) return registry.findNormalized(clientId);
    const metadata = await registry.findClient(clientId);
    if (metadata === undefined) return undefined;
    let client = this.normalized.get(metadata);
    if (client === undefined) {
      client = normalizeClient(metadata, `clients(${JSON.stringify(clientId)})`);
      this.normalized.set(metadata, client);
    }
    // A registry must not answer for another client than the one asked for.
    return client.id === clientId ? client : undefined;
  }
}
