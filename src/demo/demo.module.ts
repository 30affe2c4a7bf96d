import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { urlencoded } from 'express';
import { DemoApiController } from './demo-api.controller.js';
import { DemoHealthController } from './demo-health.controller.js';
import { DemoInteractionController } from './demo-interaction.controller.js';
import { DemoSessions } from './demo-sessions.js';

/** The demo host's pages: login and consent (not part of the library). */
@Module({
  imports: [TerminusModule],
  controllers: [DemoInteractionController, DemoApiController, DemoHealthController],
  providers: [DemoSessions],
})
export class DemoModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(urlencoded({ extended: false, limit: '16kb' })).forRoutes(DemoInteractionController);
  }
}
