import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { parDataSourceOptions } from './database/data-source-options.js';
import type { DemoConfig } from './demo/demo-config.js';
import { DemoModule } from './demo/demo.module.js';
import { ParModule } from './par/index.js';

/** The demo authorization server: ParModule on PostgreSQL or embedded PGlite. */
@Module({})
export class AppModule {
  static register(config: DemoConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [TypeOrmModule.forRoot(parDataSourceOptions(config.database)), ParModule.forRoot({ ...config.par, isGlobal: true }), DemoModule.register(config.sessions)],
    };
  }
}
