/**
 * One realistic result per tool (the shapes the tools really return), turned into views by
 * the tools' own builders: shared by the renderer tests, the Chromium console test and the
 * screenshot script, so every view is exercised the same way everywhere. `hostile()` gives
 * the same results with markup, mentions, huge strings and long lists in every text. Every
 * builder takes the reader's translator (English by default), so the same fixtures serve the
 * French checks. The fixtures themselves live in view-fixtures-network.ts and
 * view-fixtures-data.ts.
 */
import { createTranslator, type Translator } from '../../src/contracts/i18n.js';
import type { ResultView } from '../../src/contracts/result-view.js';
import { auditTimelineView } from '../../src/tools/core/core-views.js';
import { genericResultView } from '../../src/tools/pipeline/result-views.js';
import { qosApplyPreview } from '../../src/tools/qos/qos-views.js';
import { serviceCreatePreview } from '../../src/tools/services/services-views.js';
import type { ToolResult } from '../../src/tools/tool-contract.js';
import { dataFixtures, type FixtureSource } from './view-fixtures-data.js';
import { networkFixtures, samplePlan } from './view-fixtures-network.js';

export { samplePlan } from './view-fixtures-network.js';

/** A tool, its arguments and its result (as stored on an execution). */
export interface ToolFixture {
  tool: string;
  args: Record<string, unknown>;
  result: ToolResult;
  view: ResultView;
}

/** Every tool's fixture, with `text` spliced into every free-text field (hostile runs). */
export function toolFixtures(text = '', i18n: Translator = createTranslator('en')): ToolFixture[] {
  const s = (value: string) => `${value}${text}`;
  const fixtures: FixtureSource[] = [...networkFixtures(s, i18n), ...dataFixtures(s, i18n)];
  return fixtures.map(({ build, ...fixture }) => ({
    ...fixture,
    view: build(fixture.result) ?? genericResultView(fixture.tool, fixture.result, i18n),
  }));
}

/** Views that are not tool results: approval previews and an audit timeline. */
export function extraViews(text = '', i18n: Translator = createTranslator('en')): Array<{ name: string; view: ResultView }> {
  return [
    { name: 'qos_apply preview', view: qosApplyPreview(samplePlan(`limit web to 20 Mbit/s on nc0${text}`), 5, i18n) },
    {
      name: 'service_create preview',
      view: serviceCreatePreview(
        { text: `Je répare les fuites à Bonamoussadi, 10 000 FCFA le déplacement${text}` },
        {
          title: `Je répare les fuites${text}`,
          description: 'Je répare les fuites à Bonamoussadi',
          category: 'plomberie',
          priceMin: 10_000,
          priceMax: 10_000,
          currency: 'XAF',
          priceUnit: 'le déplacement',
          city: 'Douala',
          place: 'Bonamoussadi',
          country: 'CM',
          latitude: 4.09,
          longitude: 9.74,
          availability: null,
          contact: null,
          evidence: { price: '10 000 FCFA', place: 'Bonamoussadi', category: null, alternatives: [], titleFrom: 'text' },
        },
        i18n,
      ),
    },
    {
      name: 'audit timeline',
      view: auditTimelineView(
        [
          {
            createdAt: '2026-12-06T19:00:00.000Z',
            action: 'execution.proposed',
            actorName: `alice${text}`,
            channel: 'console',
            tool: 'qos_apply',
          },
          { createdAt: '2026-12-06T19:01:00.000Z', action: 'execution.approved', actorName: 'bob', channel: 'slack', tool: 'qos_apply' },
          {
            createdAt: '2026-12-06T19:01:02.000Z',
            action: 'execution.succeeded',
            status: 'succeeded',
            actorName: 'alice',
            tool: 'qos_apply',
          },
        ],
        undefined,
        i18n,
      ),
    },
  ];
}

/** Hostile text: markup, Slack/Discord mentions and links, Markdown, a lone-free long tail. */
export const HOSTILE =
  ' <script>alert(1)</script><img src=x onerror=alert(2)> <!channel> @everyone <@U123> [x](javascript:alert(3)) *bold* `code` ```fence``` &amp; ' +
  'é'.repeat(20_000);
