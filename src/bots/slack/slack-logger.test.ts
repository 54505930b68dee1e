/**
 * The Slack clients print raw payloads at debug level: tokens and the legacy verification
 * token must never reach our logs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { slackLogger, slackLogLine } from './slack-logger.js';

describe('slack logger', () => {
  it('removes bot, user and app tokens and the verification token from every line', () => {
    const line = slackLogLine([
      'received',
      { token: 'legacyVerif123', envelope_id: 'e1', payload: { text: 'hi' } },
      'auth xoxb-1234-5678-abcd and xapp-1-A1-99-ff',
      'url?token=secret&x=1',
    ]);
    assert.doesNotMatch(line, /legacyVerif123|xoxb-1234|xapp-1-A1|token=secret/);
    assert.match(line, /"envelope_id":"e1"/);
    assert.match(line, /"text":"hi"/);
  });

  it('forwards to pino with the secrets gone', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
    const logger = slackLogger(pino({ level: 'debug' }, sink));
    logger.debug('frame', JSON.stringify({ token: 'abc-verification', type: 'events_api' }));
    logger.error(new Error('invalid_auth for xoxb-secret-token'));
    assert.equal(lines.length, 2);
    assert.doesNotMatch(lines.join(''), /abc-verification|xoxb-secret/);
  });
});
