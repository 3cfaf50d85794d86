/** Why a cross-boundary query cannot be turned into an API composition; becomes a stub file's header. */
export class NotComposable extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'NotComposable';
  }
}
