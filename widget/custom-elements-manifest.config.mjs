// @custom-elements-manifest/analyzer configuration (run by the Rollup build).
export default {
  globs: ['src/grounded-chat-element.ts', 'src/types.ts', 'src/strings.ts'],
  litelement: true,
  plugins: [
    {
      // `_emit(type, …)` dispatches `new CustomEvent(type)`: the analyzer reads that as an event
      // named "type". The real events are declared with @fires.
      name: 'drop-generic-event',
      packageLinkPhase({ customElementsManifest }) {
        for (const mod of customElementsManifest.modules)
          for (const d of mod.declarations ?? []) {
            if (d.events) d.events = d.events.filter((e) => e.name !== 'type');
            // Internal reactive state (`static properties = { _draft: { state: true } }`) is no
            // attribute, and private or static members are not the element's API.
            if (d.attributes) d.attributes = d.attributes.filter((a) => !a.name.startsWith('_'));
            if (d.members) d.members = d.members.filter((m) => !m.name.startsWith('_') && m.privacy !== 'private' && !m.static);
          }
      },
    },
  ],
};
