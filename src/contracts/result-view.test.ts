/**
 * The result-view contract and every tool's view builder: each builder turns the tool's real
 * result shape into a view that passes the schema, carries the blocks the issue asks for
 * (targets table and latency chart, interface rates, class tree/diff/collapsed tc batch,
 * ratios and bars, [n] citations, cards, timeline), and stays within bounds when fed huge and
 * hostile text. Bad input to the parser (non-views, NUL, huge lists) is refused or clamped.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HOSTILE, extraViews, toolFixtures } from '../../test/support/view-fixtures.js';
import { genericResultView, withView } from '../tools/pipeline/result-views.js';
import { clampView, parseResultView, resultViewSchema, VIEW_LIMITS, viewOfResult, type ResultView } from './result-view.js';

const blockTypes = (view: ResultView) => view.blocks.map((block) => block.type);

describe('result views', () => {
  it('every tool fixture builds a valid view with the blocks people read', () => {
    const byTool = new Map<string, ResultView[]>();
    for (const fixture of toolFixtures()) {
      assert.ok(
        resultViewSchema.safeParse(fixture.view).success,
        `${fixture.tool}: ${JSON.stringify(resultViewSchema.safeParse(fixture.view).error?.issues.slice(0, 2))}`,
      );
      byTool.set(fixture.tool, [...(byTool.get(fixture.tool) ?? []), fixture.view]);
    }
    const check = byTool.get('net_check')![0]!;
    assert.ok(blockTypes(check).includes('table') && blockTypes(check).includes('chart'), 'net_check: targets table and latency chart');
    const targets = check.blocks.find((block) => block.type === 'table')!;
    assert.ok(targets.type === 'table' && targets.columns.some((column) => column.key === 'ports') && targets.rowTones?.[1] === 'critical');
    assert.equal(check.tone, 'critical');
    const snmp = byTool.get('net_snmp_poll')![0]!;
    assert.ok(blockTypes(snmp).includes('table') && blockTypes(snmp).includes('bars'));
    const plan = byTool.get('qos_plan')![0]!;
    assert.deepEqual(
      ['tree', 'diff', 'code'].every((type) => blockTypes(plan).includes(type as never)),
      true,
    );
    const code = plan.blocks.find((block) => block.type === 'code')!;
    assert.ok(
      code.type === 'code' && code.collapsed && code.text.includes('class replace dev nc0 parent 1:1 classid 1:10 htb rate 20mbit'),
      'the exact tc batch, collapsed',
    );
    assert.ok(
      byTool.get('dedup_query')!.every((view) => blockTypes(view).includes('bars')),
      'dedup: ratios and bars',
    );
    const knowledge = byTool.get('knowledge_search')![0]!;
    const text = knowledge.blocks.find((block) => block.type === 'text');
    const citations = knowledge.blocks.find((block) => block.type === 'citations');
    assert.ok(
      text?.type === 'text' &&
        text.text.includes('[1]') &&
        citations?.type === 'citations' &&
        citations.items[0]!.url === 'https://wiki.example.test/core-router',
    );
    assert.ok(blockTypes(byTool.get('service_search')![0]!).includes('cards'));
    assert.ok(blockTypes(extraViews().find((entry) => entry.name === 'audit timeline')!.view).includes('timeline'));
    const preview = extraViews().find((entry) => entry.name === 'qos_apply preview')!.view;
    assert.ok(
      preview.blocks.some((block) => block.type === 'code' && !block.collapsed),
      'the approval preview shows the commands open',
    );
  });

  it('hostile and oversized results still give bounded, valid views', () => {
    for (const fixture of [...toolFixtures(HOSTILE), ...extraViews(HOSTILE).map((entry) => ({ tool: entry.name, view: entry.view }))]) {
      const parsed = resultViewSchema.safeParse(fixture.view);
      assert.ok(parsed.success, `${fixture.tool} with hostile text`);
      assert.ok(JSON.stringify(fixture.view).length <= VIEW_LIMITS.bytes, `${fixture.tool} within the byte bound`);
      assert.ok(fixture.view.headline.length <= VIEW_LIMITS.headline);
    }
    const huge = genericResultView('x', {
      status: 'success',
      data: { rows: Array.from({ length: 5_000 }, (_, index) => ({ id: index, name: 'n'.repeat(2_000) })) },
    });
    const table = huge.blocks.find((block) => block.type === 'table');
    assert.ok(table?.type === 'table' && table.rows.length <= VIEW_LIMITS.rows && table.total === 5_000);
    assert.ok(resultViewSchema.safeParse(huge).success);
  });

  it('parses only views: junk, wrong types and NaN are refused or clamped', () => {
    for (const junk of [
      null,
      1,
      'view',
      [],
      { kind: 'x' },
      { kind: 'x', headline: 'h', tone: 'loud', blocks: [] },
      { kind: 'x', headline: 'h', tone: 'ok', blocks: [{ type: 'script', text: 'x' }] },
    ]) {
      assert.equal(parseResultView(junk), null, JSON.stringify(junk));
    }
    const tooLong = {
      kind: 'x',
      headline: 'h'.repeat(10_000),
      tone: 'ok',
      blocks: [{ type: 'chart', title: 't', kind: 'line', labels: ['1'], series: [{ name: 's', points: [Number.NaN, 1] }] }],
    };
    const parsed = parseResultView(tooLong);
    assert.ok(parsed && parsed.headline.length <= VIEW_LIMITS.headline);
    const chart = parsed.blocks[0]!;
    assert.ok(chart.type === 'chart' && chart.series[0]!.points[0] === null);
    assert.equal(viewOfResult({ status: 'success', data: 1 }), null);
    const bad = clampView({
      kind: 'x',
      headline: 'h',
      tone: 'ok',
      blocks: [{ type: 'citations', items: [{ marker: '[1]', title: 't', url: 'javascript:alert(1)' }] }],
    });
    const items = bad.blocks[0]!;
    assert.ok(items.type === 'citations' && items.items[0]!.url === undefined, 'non-http links are dropped');
  });

  it('withView attaches the tool view, and the generic one when a builder throws', () => {
    const failing = {
      name: 't',
      view: () => {
        throw new Error('boom');
      },
    } as never;
    const result = withView(failing, 't', {}, { status: 'success', data: { a: 1 } });
    assert.equal(result.view?.kind, 'generic');
    const errorView = withView(undefined, 'u', {}, { status: 'error', error: { code: 'bad', message: 'went wrong' } }).view!;
    assert.equal(errorView.tone, 'critical');
    assert.match(errorView.headline, /went wrong/);
  });
});
