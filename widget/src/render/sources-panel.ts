/** The panel showing one source of an answer: title, snippet, file path, and a link when safe. */
import { html } from 'lit';
import type { GroundedChatStrings } from '../strings.js';
import type { Citation } from '../types.js';
import { iconButton, ICONS } from './icons.js';

export interface SourcesPanelView {
  strings: GroundedChatStrings;
  citation: Citation;
  index: number;
  /** The citation's URL if it is safe to link (http, https or mailto), else null. */
  href: string | null;
  onClose(): void;
}

export const renderSourcesPanel = ({ strings: s, citation, index, href, onClose }: SourcesPanelView) =>
  html`<div class="source-panel" part="sources-panel" role="region" aria-labelledby="source-title">
    <div class="source-head">
      <h3 id="source-title"><span>${index + 1}</span> ${citation.title}</h3>
      ${iconButton(s.closeSources, ICONS.close, onClose, { className: 'source-close' })}
    </div>
    <p class="snippet">${citation.snippet}</p>
    ${citation.filepath ? html`<p class="note">${citation.filepath}</p>` : ''}
    ${href ? html`<a href=${href} target="_blank" rel="noopener noreferrer">${s.openSource}</a>` : ''}
  </div>`;
