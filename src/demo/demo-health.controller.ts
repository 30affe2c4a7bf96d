import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { ParHealthIndicator } from '../par/index.js';

/**
 * Kubernetes-style probes. Liveness checks nothing outside the process, so a database outage takes the
 * instance out of the load balancer (readiness) without getting it restarted.
 */
@Controller('health')
export class DemoHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly par: ParHealthIndicator,
  ) {}

  /** The process answers HTTP. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** The database answers and ParModule's migrations are applied: send traffic here. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.par.isDatabaseReachable(), () => this.par.areMigrationsApplied()]);
  }
}
