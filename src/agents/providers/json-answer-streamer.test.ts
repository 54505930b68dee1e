/**
 * The grammar-mode answer streamer: decoded answer text comes out chunk by chunk, escapes
 * split across chunks are held back until complete, and a tool call streams nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonAnswerStreamer } from './json-answer-streamer.js';

const run = (chunks: string[]) => {
  const out: string[] = [];
  const streamer = new JsonAnswerStreamer((text) => out.push(text));
  for (const chunk of chunks) streamer.push(chunk);
  return out;
};

describe('JSON answer streamer', () => {
  it('streams the answer text as it is decoded', () => {
    const out = run(['{"ans', 'wer": "Once', ' upon', ' a time', '."}']);
    assert.deepEqual(out, ['Once', ' upon', ' a time', '.']);
  });

  it('decodes escapes split across chunks, including \\u sequences', () => {
    const out = run(['{ "answer" : "a\\', 'nb \\"q\\" \\u00', 'e9', ' end"', '}']);
    assert.equal(out.join(''), 'a\nb "q" é end');
    assert.equal(JSON.parse('"a\\nb \\"q\\" \\u00e9 end"'), out.join(''));
  });

  it('emits nothing for a tool call or for text after the answer closes', () => {
    assert.deepEqual(run(['{"tool": "net_check", "arguments": {"answer": "x"}}']), []);
    assert.deepEqual(run(['{', '"to', 'ol":"x"}']), []);
    assert.deepEqual(run(['{"answer":"done"}', ' {"answer":"again"}']), ['done']);
  });
});
