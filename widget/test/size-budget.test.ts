import { expect } from '@esm-bundle/chai';

// The size budgets (docs/widget.md), on the built drop-in (dist/, as `npm run build` makes it): a
// byte count, not a timing. bench/widget-size.bench.mjs prints the same figures against other widgets.
describe('size budgets of the built drop-in (gzip -9)', () => {
  it('at most 16 KB before the first answer and 32 KB in all; Markdown and answer parts load lazily', async () => {
    const r = (await (await fetch('/size-budget')).json()) as {
      initial: number;
      total: number;
      budgets: { initial: number; total: number };
      files: { file: string; lazy: boolean; gz: number }[];
    };
    expect(r.budgets).to.deep.equal({ initial: 16_000, total: 32_000 });
    expect(r.initial, 'bytes before the first answer').to.be.at.most(r.budgets.initial);
    expect(r.total, 'bytes in all').to.be.at.most(r.budgets.total);
    const lazy = r.files.filter((f) => f.lazy).map((f) => f.file);
    expect(lazy.some((f) => /chunks\/markdown-/.test(f)), 'the Markdown chunk is lazy').to.equal(true);
    expect(lazy.some((f) => /chunks\/answer-parts-/.test(f)), 'the answer parts are lazy').to.equal(true);
    expect(r.files.find((f) => !f.lazy)!.file).to.equal('dist/grounded-chat.js');
  });
});
