/** Bad ParModule configuration, raised at boot; the message names the option to fix. */
export class ParConfigurationError extends Error {
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`ParModule option "${option}" ${problem}`);
    this.name = 'ParConfigurationError';
  }
}
