/**
 * An error semantic-release prints as `CODE message` followed by its details
 * (it recognises the `semanticRelease` flag), instead of a stack trace.
 */
export class ReleaseError extends Error {
  readonly semanticRelease = true;
  constructor(
    readonly code: string,
    message: string,
    readonly details?: string,
  ) {
    super(message);
    this.name = "ReleaseError";
  }
}
