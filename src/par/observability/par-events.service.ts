import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { PAR_OPTIONS } from '../par.constants.js';
import type { ResolvedParOptions } from '../par.options.js';
import type { ParEvent, ParEventFacts, ParEventListener } from './par-event.js';
import { logLevelEnabled, parLogger, stackFrames } from './par-logger.js';
import { currentRequest, readRequestContext } from './request-context.js';

/**
 * Protocol events for the host to audit ({@link ParEvent}). Subscribe here (or pass `onEvent` in the
 * options); every event is also logged at the `debug` level as a structured line (per-request lines
 * at `log` would cost a busy server more than the requests themselves).
 *
 * Listeners are called after the change the event reports is stored, outside the request's own work
 * (a microtask after it): they never delay or fail a request. A listener that throws or rejects is
 * logged (its error's name and stack frames only) and the others still get the event.
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-8 (what events leave out: pushed payloads)
 */
@Injectable()
export class ParEvents implements OnModuleDestroy {
  private listeners: readonly ParEventListener[] = [];
  /** Each listener keeps the request context running (see `readRequestContext`) until it goes. */
  private readonly readings = new Map<ParEventListener, () => void>();

  constructor(@Inject(PAR_OPTIONS) private readonly options: ResolvedParOptions) {
    if (options.onEvent !== undefined) this.add(options.onEvent);
  }

  /** Calls `listener` with every event from now on; returns the function that unsubscribes it. */
  subscribe(listener: ParEventListener): () => void {
    if (typeof listener !== 'function') throw new TypeError('ParEvents.subscribe: listener must be a function');
    const added = this.add(listener);
    return () => this.remove(added);
  }

  /** A closed app's listeners no longer keep the (process-wide) request context running. */
  onModuleDestroy(): void {
    for (const listener of [...this.readings.keys()]) this.remove(listener);
  }

  private add(listener: ParEventListener): ParEventListener {
    // Its own wrapper, so that the same function subscribed twice is two subscriptions.
    const added: ParEventListener = (event) => listener(event);
    this.listeners = [...this.listeners, added];
    this.readings.set(added, readRequestContext());
    return added;
  }

  private remove(added: ParEventListener): void {
    this.listeners = this.listeners.filter((l) => l !== added);
    this.readings.get(added)?.();
    this.readings.delete(added);
  }

  /** Reports `facts` as an event of the current request, now. */
  emit(facts: ParEventFacts): void {
    const listeners = this.listeners;
    const logged = logLevelEnabled('debug');
    if (listeners.length === 0 && !logged) return;
    const requestId = currentRequest()?.requestId;
    const event = { ...facts, at: new Date(this.options.clock.now()).toISOString(), ...(requestId !== undefined && { requestId }) } as ParEvent;
    if (logged) parLogger.debug(`event ${event.type}`, { ...event });
    if (listeners.length > 0) queueMicrotask(() => deliver(listeners, event));
  }
}

function deliver(listeners: readonly ParEventListener[], event: ParEvent): void {
  for (const listener of listeners) {
    try {
      const result = listener(event);
      if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
        (result as Promise<void>).then(undefined, (error: unknown) => listenerFailed(event, error));
      }
    } catch (error) {
      listenerFailed(event, error);
    }
  }
}

function listenerFailed(event: ParEvent, error: unknown): void {
  // Not the error's message: a host's listener may have put anything in it.
  const name = error instanceof Error ? error.name : typeof error;
  parLogger.error(`an event listener failed on ${event.type}`, { event: event.type, requestId: event.requestId, errorName: name }, stackFrames(error));
}
