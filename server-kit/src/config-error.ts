/** A configuration problem, with a message meant to be printed as is before exiting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    /** One line per bad value, when there are several. */
    readonly problems: string[] = [message],
  ) {
    super(message);
  }
}
