import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { urlencoded } from 'express';
import { RequestIdMiddleware } from '../par/index.js';
import { DemoApiController } from './demo-api.controller.js';
import { DemoHealthController } from './demo-health.controller.js';
import { DemoInteractionController } from './demo-interaction.controller.js';
import { DemoSessions } from './demo-sessions.js';

/** The demo host's pages: login and consent (not part of the library). */
@Module({
  imports: [TerminusModule],
  controllers: [DemoInteractionController, DemoApiController, DemoHealthController],
})
export class DemoModule implements NestModule {
  /** With the sessions the demo's `silentInteraction` reads too. */
  static register(sessions: DemoSessions): DynamicModule {
    return { module: DemoModule, providers: [{ provide: DemoSessions, useValue: sessions }] };
  }

  configure(consumer: MiddlewareConsumer): void {
    // The request id after the body parser: its stream callbacks would run outside the id's context.
    consumer.apply(urlencoded({ extended: false, limit: '16kb' }), RequestIdMiddleware).forRoutes(DemoInteractionController);
  }
}
