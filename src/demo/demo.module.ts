import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { urlencoded } from 'express';
import { DemoApiController } from './demo-api.controller.js';
import { DemoInteractionController } from './demo-interaction.controller.js';
import { DemoSessions } from './demo-sessions.js';

/** The demo host's pages: login and consent (not part of the library). */
@Module({
  controllers: [DemoInteractionController, DemoApiController],
  providers: [DemoSessions],
})
export class DemoModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(urlencoded({ extended: false, limit: '16kb' })).forRoutes(DemoInteractionController);
  }
}
