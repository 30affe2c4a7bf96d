import { ConfigurableModuleBuilder } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { PAR_DATA_SOURCE } from './par.constants.js';
import type { ParModuleOptions } from './par.options.js';

/** Options of `ParModule.forRoot()` besides {@link ParModuleOptions}. */
export interface ParModuleExtras {
  /** Register ParModule globally. @default false */
  isGlobal?: boolean;
  /** Name of the TypeORM DataSource to use (as given to `TypeOrmModule.forRoot({ name })`). @default the default DataSource */
  dataSourceName?: string;
}

export const {
  ConfigurableModuleClass: ParConfigurableModule,
  MODULE_OPTIONS_TOKEN: PAR_MODULE_OPTIONS,
  OPTIONS_TYPE: PAR_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: PAR_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ParModuleOptions>({ moduleName: 'Par' })
  .setClassMethodName('forRoot')
  .setExtras<ParModuleExtras>({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal === true,
    providers: [
      ...(definition.providers ?? []),
      { provide: PAR_DATA_SOURCE, useExisting: getDataSourceToken(extras.dataSourceName) },
    ],
  }))
  .build();
