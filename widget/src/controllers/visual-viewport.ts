/**
 * Follows the visual viewport (the part of the page not covered by an on-screen keyboard) into
 * the CSS variables `--gc-vvh` and `--gc-vvt`, which the launcher panel uses on small screens.
 */
import type { ReactiveController, ReactiveElement } from 'lit';

export class VisualViewportController implements ReactiveController {
  constructor(private _host: ReactiveElement) {
    _host.addController(this);
  }

  readonly _apply = (): void => {
    const v = globalThis.visualViewport;
    if (!v) return;
    this._host.style.setProperty('--gc-vvh', `${v.height}px`);
    this._host.style.setProperty('--gc-vvt', `${v.offsetTop}px`);
  };

  hostConnected(): void {
    globalThis.visualViewport?.addEventListener('resize', this._apply);
    globalThis.visualViewport?.addEventListener('scroll', this._apply);
  }

  hostDisconnected(): void {
    globalThis.visualViewport?.removeEventListener('resize', this._apply);
    globalThis.visualViewport?.removeEventListener('scroll', this._apply);
  }
}
